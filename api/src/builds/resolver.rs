//! GraphQL queries, mutations and the subscription of the builds capability.

use super::model::{
    Build, BuildConnection, BuildFilter, ComponentLot, CreateBuildInput, Defect, DefectInput,
    Disposition, OrganizationMetrics, ReceiveComponentLotInput, RecordLotUsageInput,
    ShipUnitsInput, StationEvent, StationResultInput, Unit,
};
use super::service::{self, Recorded};
use super::trace::{self, Trace};
use crate::context::ContextExt;
use crate::entities::{build, component_lot, unit};
use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use crate::pagination::{clamp_first, decode_cursor, page};
use async_graphql::{Context, Object, Result, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::text::{LotCode, Mpn, Serial};
use futures_util::Stream;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeSet;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

/// A station result as recorded, with the unit after it.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecordedResult {
    /// The event (the first one, when the idempotency key was seen before).
    pub event: StationEvent,
    /// The unit as it stands now.
    pub unit: Unit,
}

fn recorded(r: Recorded) -> ApiResult<RecordedResult> {
    Ok(RecordedResult {
        event: StationEvent::from_row(r.event, r.station)?,
        unit: Unit::from_row(r.unit)?,
    })
}

/// A defect as recorded, with the unit after its disposition.
#[derive(SimpleObject, Clone, Debug)]
pub struct RecordedDefect {
    /// The defect.
    pub defect: Defect,
    /// The unit as it stands now.
    pub unit: Unit,
}

/// Units that left the factory together.
#[derive(SimpleObject, Clone, Debug)]
pub struct Shipment {
    /// Unique id.
    pub id: ID,
    /// Where to.
    pub destination: String,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// When.
    pub shipped_at: DateTime<Utc>,
    /// Units shipped.
    pub units: i32,
}

/// Build queries.
#[derive(Default)]
pub struct BuildsQuery;

#[Object]
impl BuildsQuery {
    /// Builds the caller may see, newest first: the EMS's own, or those of the OEM's packages.
    /// `first` defaults to 20 and is at most 100.
    async fn builds(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<BuildFilter>,
    ) -> Result<BuildConnection> {
        let actor = ctx.reader()?;
        let limit = clamp_first(first)?;
        let mut select = actor.select::<build::Entity>();
        let filter = filter.unwrap_or_default();
        if let Some(status) = filter.status {
            select = select.filter(build::Column::Status.eq(status));
        }
        if let Some(phase) = filter.phase {
            select = select.filter(build::Column::Phase.eq(phase));
        }
        if let Some(package_id) = &filter.package_id {
            select =
                select.filter(build::Column::PackageId.eq(parse_id(package_id, "NPI package")?));
        }
        let words = crate::search::patterns(filter.search.as_deref())?;
        select = select.filter(crate::search::every_word(&words, |word| {
            sea_orm::Condition::all().add(
                build::Column::ProductId
                    .in_subquery(crate::packages::resolver::products_matching(word)),
            )
        }));
        if let Some(cursor) = after.as_deref() {
            select = select.filter(build::Column::Id.lt(decode_cursor(cursor)?));
        }
        let rows = select
            .order_by_desc(build::Column::Id)
            .limit(limit + 1)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let (info, rows) = page(rows, limit, after.is_some(), |r| r.id);
        let unit_pages = requested_unit_pages(ctx);
        if !unit_pages.is_empty() {
            let ids: Vec<Uuid> = rows.iter().map(|(_, r)| r.id).collect();
            crate::loaders::prefetch_units(ctx.loaders(), &ctx.state().db, &ids, &unit_pages)
                .await?;
        }
        let edges = rows
            .into_iter()
            .map(|(c, r)| Ok((c, Build::from_row(r)?)))
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(BuildConnection::new(info, edges))
    }

    /// One build the caller may see.
    async fn build(&self, ctx: &Context<'_>, id: ID) -> Result<Build> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "build")?;
        Ok(Build::from_row(
            actor.load::<build::Entity>(&ctx.state().db, id).await?,
        )?)
    }

    /// A unit by serial number, with its history, defects and lots.
    async fn unit(&self, ctx: &Context<'_>, serial: String) -> Result<Unit> {
        let actor = ctx.reader()?;
        let serial = Serial::parse(&serial)?;
        let row = actor
            .select::<unit::Entity>()
            .filter(unit::Column::Serial.eq(serial.as_str()))
            .one(&ctx.state().db)
            .await
            .map_err(ApiError::from)?
            .ok_or(ApiError::NotFound("unit"))?;
        Ok(Unit::from_row(row)?)
    }

    /// Lots the caller may see with this MPN (and lot code, when given); at most 100.
    async fn component_lots(
        &self,
        ctx: &Context<'_>,
        mpn: String,
        lot_code: Option<String>,
    ) -> Result<Vec<ComponentLot>> {
        let actor = ctx.reader()?;
        let mpn = Mpn::parse(&mpn)?;
        let mut select = actor
            .select::<component_lot::Entity>()
            .filter(component_lot::Column::Mpn.eq(mpn.as_str()));
        if let Some(code) = lot_code {
            let code = LotCode::parse(&code)?;
            select = select.filter(component_lot::Column::LotCode.eq(code.as_str()));
        }
        let rows = select
            .order_by_desc(component_lot::Column::Id)
            .limit(100)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(ComponentLot::from).collect())
    }

    /// Every unit a lot went into (that the caller may see), with totals per OEM and per build.
    async fn trace_lot(&self, ctx: &Context<'_>, lot_id: ID) -> Result<Trace> {
        let actor = ctx.reader()?;
        let id = parse_id(&lot_id, "component lot")?;
        let lot = actor
            .load::<component_lot::Entity>(&ctx.state().db, id)
            .await?;
        Ok(trace::trace(
            &ctx.state().db,
            actor,
            vec![lot.id],
            trace::wants_levels(ctx),
        )
        .await?)
    }

    /// Every unit holding parts of this MPN and manufacturer lot code (from any reel), with
    /// totals per OEM and per build. An OEM sees only its own units.
    async fn trace_component(
        &self,
        ctx: &Context<'_>,
        mpn: String,
        lot_code: String,
    ) -> Result<Trace> {
        let actor = ctx.reader()?;
        let db = &ctx.state().db;
        let (mpn, lot_code) = (Mpn::parse(&mpn)?, LotCode::parse(&lot_code)?);
        let lots = trace::lots_by_code(db, actor, &mpn, &lot_code).await?;
        Ok(trace::trace(db, actor, lots, trace::wants_levels(ctx)).await?)
    }

    /// Delivery, yield and DPMO over `[from, to)` for everything the caller may see, with a
    /// weekly breakdown.
    async fn organization_metrics(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<OrganizationMetrics> {
        let actor = ctx.reader()?;
        if to <= from {
            return Err(ApiError::bad_input("`to` must be after `from`").into());
        }
        Ok(super::metrics::organization_metrics(&ctx.state().db, actor, from, to).await?)
    }
}

/// Build mutations.
#[derive(Default)]
pub struct BuildsMutation;

#[Object]
impl BuildsMutation {
    /// Plans a build of an ACCEPTED package of a partner (EMS program manager or admin).
    async fn create_build(&self, ctx: &Context<'_>, input: CreateBuildInput) -> Result<Build> {
        let actor = ctx.writer()?;
        let row = service::create_build(
            ctx.state(),
            actor,
            input.into_command()?,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Build::from_row(row)?)
    }

    /// Creates `count` units with serials from a pattern: `{YYYY}`, `{YY}`, `{WW}` (ISO week)
    /// and `{SEQ:n}` (the unit's sequence in the build, n digits), e.g. `GW-{YYYY}{WW}-{SEQ:6}`.
    /// Never more units than the build's quantity unless `allowOverQuantity`.
    async fn serialize_units(
        &self,
        ctx: &Context<'_>,
        build_id: ID,
        count: i32,
        pattern: String,
        #[graphql(default)] allow_over_quantity: bool,
    ) -> Result<Vec<Unit>> {
        let actor = ctx.writer()?;
        let build_id = parse_id(&build_id, "build")?;
        let rows = service::serialize_units(
            ctx.state(),
            actor,
            build_id,
            count,
            &pattern,
            allow_over_quantity,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(Unit::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// Creates units with the given serials (unique within the EMS).
    async fn add_units(
        &self,
        ctx: &Context<'_>,
        build_id: ID,
        serials: Vec<String>,
        #[graphql(default)] allow_over_quantity: bool,
    ) -> Result<Vec<Unit>> {
        let actor = ctx.writer()?;
        let build_id = parse_id(&build_id, "build")?;
        let rows = service::add_units(
            ctx.state(),
            actor,
            build_id,
            super::model::serials(&serials)?,
            allow_over_quantity,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(Unit::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// Records a unit's result at a station (EMS floor roles, or a WRITE token of the EMS). The
    /// station must be the unit's next one; a FAIL holds the unit until its defect is recorded.
    async fn record_station_result(
        &self,
        ctx: &Context<'_>,
        input: StationResultInput,
    ) -> Result<RecordedResult> {
        let actor = ctx.writer()?;
        let mut results = service::record_results(
            ctx.state(),
            actor,
            vec![input.into_command()?],
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(recorded(results.remove(0))?)
    }

    /// Records many results in one transaction (all or none), up to 5,000 a call, for MES
    /// integrations. Results are applied in order, so one unit may pass several stations.
    async fn record_station_results(
        &self,
        ctx: &Context<'_>,
        inputs: Vec<StationResultInput>,
    ) -> Result<Vec<RecordedResult>> {
        let actor = ctx.writer()?;
        let many = inputs.len() > 1;
        let commands = inputs
            .into_iter()
            .enumerate()
            .map(|(index, input)| match input.into_command() {
                Err(ApiError::BadUserInput(m)) if many => {
                    Err(ApiError::BadUserInput(format!("result {index}: {m}")))
                }
                other => other,
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let results =
            service::record_results(ctx.state(), actor, commands, &ctx.audit_meta(actor)).await?;
        Ok(results
            .into_iter()
            .map(recorded)
            .collect::<ApiResult<_>>()?)
    }

    /// Records a defect on a unit at a station with its disposition: REWORK sends the unit back
    /// to that station, SCRAP ends it, USE_AS_IS lets it move on, PENDING keeps it held until
    /// `disposeDefect` decides.
    async fn record_defect(&self, ctx: &Context<'_>, input: DefectInput) -> Result<RecordedDefect> {
        let actor = ctx.writer()?;
        let (defect, unit, station) = service::record_defect(
            ctx.state(),
            actor,
            input.into_command()?,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(RecordedDefect {
            defect: Defect::from_row(defect, station)?,
            unit: Unit::from_row(unit)?,
        })
    }

    /// Decides a PENDING defect (one an inspector or an AOI machine recorded without a
    /// decision): REWORK, SCRAP or USE_AS_IS, applied to its unit as `recordDefect` does.
    async fn dispose_defect(
        &self,
        ctx: &Context<'_>,
        defect_id: ID,
        disposition: Disposition,
    ) -> Result<RecordedDefect> {
        let actor = ctx.writer()?;
        let (defect, unit, station) = service::dispose_defect(
            ctx.state(),
            actor,
            parse_id(&defect_id, "defect")?,
            disposition,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(RecordedDefect {
            defect: Defect::from_row(defect, station)?,
            unit: Unit::from_row(unit)?,
        })
    }

    /// Ships COMPLETED units of a build; the ship date drives on-time delivery.
    async fn ship_units(&self, ctx: &Context<'_>, input: ShipUnitsInput) -> Result<Shipment> {
        let actor = ctx.writer()?;
        let count = input.serials.len() as i32;
        let row = service::ship_units(
            ctx.state(),
            actor,
            input.into_command()?,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(Shipment {
            id: ID(row.id.to_string()),
            destination: row.destination,
            carrier: row.carrier,
            tracking_number: row.tracking_number,
            shipped_at: row.shipped_at,
            units: count,
        })
    }

    /// Receives a reel or lot into the EMS (reel ids are unique within the EMS).
    async fn receive_component_lot(
        &self,
        ctx: &Context<'_>,
        input: ReceiveComponentLotInput,
    ) -> Result<ComponentLot> {
        let actor = ctx.writer()?;
        Ok(service::receive_lot(
            ctx.state(),
            actor,
            input.into_command()?,
            &ctx.audit_meta(actor),
        )
        .await?
        .into())
    }

    /// Records that a lot fed a set of designators over many units (by serials or a serial
    /// range); answers the number of (unit, designator) usages recorded.
    async fn record_lot_usage(&self, ctx: &Context<'_>, input: RecordLotUsageInput) -> Result<i32> {
        let actor = ctx.writer()?;
        Ok(service::record_lot_usage(
            ctx.state(),
            actor,
            input.into_command()?,
            &ctx.audit_meta(actor),
        )
        .await?)
    }
}

/// Build subscriptions.
#[derive(Default)]
pub struct BuildsSubscription;

#[Subscription]
impl BuildsSubscription {
    /// The build, each time its units, results or metrics change (across all instances on
    /// PostgreSQL). Send the bearer token in the `connection_init` payload as `Authorization`.
    async fn build_updated(
        &self,
        ctx: &Context<'_>,
        build_id: ID,
    ) -> Result<impl Stream<Item = Result<Build>>> {
        let actor = ctx.reader()?.clone();
        let id = parse_id(&build_id, "build")?;
        let state = ctx.state().clone();
        actor.load::<build::Entity>(&state.db, id).await?;
        let receiver = state.build_events.subscribe();
        Ok(futures_util::stream::unfold(
            (receiver, state, actor),
            move |(mut receiver, state, actor)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(changed) if changed == id => break,
                        Ok(_) => continue,
                        // Missed some: the build may have changed meanwhile.
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return None,
                    }
                }
                let item = match actor.load::<build::Entity>(&state.db, id).await {
                    Ok(row) => Build::from_row(row).map_err(Into::into),
                    Err(err) => Err(err.into()),
                };
                Some((item, (receiver, state, actor)))
            },
        ))
    }
}

/// The page sizes of `units` that the query asks of the builds of this list (`edges { node {
/// units(first: …) } }`, once per distinct size), so they can be loaded with the list.
fn requested_unit_pages(ctx: &Context<'_>) -> BTreeSet<u64> {
    let units = ctx.look_ahead().field("edges").field("node").field("units");
    units
        .selection_fields()
        .iter()
        .map(|field| {
            let first = field.arguments().ok().and_then(|arguments| {
                arguments
                    .into_iter()
                    .find(|(name, _)| name.as_str() == "first")
                    .and_then(|(_, value)| match value {
                        async_graphql::Value::Number(n) => n.as_i64(),
                        _ => None,
                    })
            });
            super::model::units_page(first)
        })
        .collect()
}
