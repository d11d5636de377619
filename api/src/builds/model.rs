//! GraphQL types of the builds capability.

use super::service;
use crate::context::ContextExt;
use crate::entities::{
    build, build_station, component_lot, defect, lot_usage, npi_package, organization, product,
    station_event, unit,
};
use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::text::{Designator, DisplayName, LotCode, Mpn, Serial};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

pub use firstpass_shared::domain::{
    BuildPhase, BuildStatus, DefectCode, Disposition, StationKind, StationResult, UnitStatus,
};

/// A station of the routing, as given when planning a build.
#[derive(InputObject, Debug, Clone)]
pub struct StationInput {
    /// What the station does.
    pub kind: StationKind,
    /// Display name, unique in the build (MES integrations address the station by it).
    pub name: String,
}

/// Fields of a new build.
#[derive(InputObject, Debug)]
pub struct CreateBuildInput {
    /// The ACCEPTED package revision to build.
    pub package_id: ID,
    /// PROTOTYPE, PILOT or PRODUCTION.
    pub phase: BuildPhase,
    /// Units ordered.
    pub quantity: i32,
    /// When the units are due.
    pub due_date: NaiveDate,
    /// The ordered stations every unit passes.
    pub routing: Vec<StationInput>,
}

/// One station result, as an operator or an MES records it.
#[derive(InputObject, Debug, Clone)]
pub struct StationResultInput {
    /// The unit's serial number.
    pub serial: String,
    /// The station's name in the build's routing.
    pub station: String,
    /// PASS or FAIL.
    pub result: StationResult,
    /// Measurements, any JSON (e.g. `{"vcc": 3.31}`).
    pub measurements: Option<async_graphql::Json<serde_json::Value>>,
    /// A key of the client's choosing: the same key twice records once and answers the first result.
    pub idempotency_key: Option<String>,
    /// Typed test steps with units and limits; a PASS step outside its limits is refused.
    pub test_steps: Option<Vec<super::test_steps::TestStepInput>>,
}

/// A defect found on a unit.
#[derive(InputObject, Debug)]
pub struct DefectInput {
    /// The unit's serial number.
    pub serial: String,
    /// The station's name where it was found.
    pub station: String,
    /// Where on the board.
    pub designator: String,
    /// Defect code.
    pub code: DefectCode,
    /// Free description.
    #[graphql(default)]
    pub description: String,
    /// What happens to the unit.
    pub disposition: Disposition,
}

/// Units leaving the factory.
#[derive(InputObject, Debug)]
pub struct ShipUnitsInput {
    /// The build.
    pub build_id: ID,
    /// Serials of COMPLETED units.
    pub serials: Vec<String>,
    /// Where to.
    pub destination: String,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
}

/// A reel or lot received.
#[derive(InputObject, Debug)]
pub struct ReceiveComponentLotInput {
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Manufacturer's lot code.
    pub lot_code: String,
    /// Date code.
    #[graphql(default)]
    pub date_code: String,
    /// The EMS's reel id; unique within the EMS.
    pub reel_id: String,
    /// Parts received.
    pub quantity: i32,
    /// Who supplied it.
    #[graphql(default)]
    pub supplier: String,
}

/// A serial range, inclusive, of one build (`GW-000001` … `GW-000050`).
#[derive(InputObject, Debug)]
pub struct SerialRange {
    /// First serial.
    pub from: String,
    /// Last serial.
    pub to: String,
}

/// A lot feeding designators over many units.
#[derive(InputObject, Debug)]
pub struct RecordLotUsageInput {
    /// The lot.
    pub lot_id: ID,
    /// The build.
    pub build_id: ID,
    /// The designators the lot fed (must be placed designators of the package's BOM).
    pub designators: Vec<String>,
    /// The units, by serial…
    pub serials: Option<Vec<String>>,
    /// …or by a serial range of the build.
    pub serial_range: Option<SerialRange>,
}

impl CreateBuildInput {
    /// The build to plan, its names checked.
    pub fn into_command(self) -> ApiResult<service::NewBuild> {
        Ok(service::NewBuild {
            package_id: parse_id(&self.package_id, "NPI package")?,
            phase: self.phase,
            quantity: self.quantity,
            due_date: self.due_date,
            routing: self
                .routing
                .into_iter()
                .map(|s| {
                    Ok(service::NewStation {
                        kind: s.kind,
                        name: DisplayName::parse(&s.name)?,
                    })
                })
                .collect::<ApiResult<_>>()?,
        })
    }
}

impl StationResultInput {
    /// The result to record, its serial and station name checked.
    pub fn into_command(self) -> ApiResult<service::NewResult> {
        Ok(service::NewResult {
            serial: Serial::parse(&self.serial)?,
            station: DisplayName::parse(&self.station)?,
            test_steps: super::test_steps::parse_steps(
                self.test_steps.unwrap_or_default(),
                self.result,
            )?,
            result: self.result,
            measurements: self.measurements.map(|m| m.0),
            idempotency_key: self.idempotency_key,
        })
    }
}

impl DefectInput {
    /// The defect to record, its serial, station and designator checked.
    pub fn into_command(self) -> ApiResult<service::NewDefect> {
        Ok(service::NewDefect {
            serial: Serial::parse(&self.serial)?,
            station: DisplayName::parse(&self.station)?,
            designator: Designator::parse(&self.designator)?,
            code: self.code,
            description: self.description,
            disposition: self.disposition,
        })
    }
}

impl ShipUnitsInput {
    /// The shipment, its serials checked.
    pub fn into_command(self) -> ApiResult<service::Shipping> {
        Ok(service::Shipping {
            build_id: parse_id(&self.build_id, "build")?,
            serials: serials(&self.serials)?,
            destination: self.destination,
            carrier: self.carrier,
            tracking_number: self.tracking_number,
        })
    }
}

impl ReceiveComponentLotInput {
    /// The lot received, its MPN, manufacturer and lot code checked.
    pub fn into_command(self) -> ApiResult<service::NewLot> {
        Ok(service::NewLot {
            mpn: Mpn::parse(&self.mpn)?,
            manufacturer: DisplayName::parse(&self.manufacturer)?,
            lot_code: LotCode::parse(&self.lot_code)?,
            date_code: self.date_code,
            reel_id: self.reel_id,
            quantity: self.quantity,
            supplier: self.supplier,
        })
    }
}

impl RecordLotUsageInput {
    /// The usage to record, its designators and serials checked.
    pub fn into_command(self) -> ApiResult<service::LotUsage> {
        let units = match (self.serials, self.serial_range) {
            (Some(list), None) => service::UnitSelection::Serials(serials(&list)?),
            (None, Some(range)) => service::UnitSelection::Range {
                from: Serial::parse(&range.from)?,
                to: Serial::parse(&range.to)?,
            },
            _ => return Err(ApiError::bad_input("give either serials or serialRange")),
        };
        Ok(service::LotUsage {
            lot_id: parse_id(&self.lot_id, "component lot")?,
            build_id: parse_id(&self.build_id, "build")?,
            designators: self
                .designators
                .iter()
                .map(|d| Designator::parse(d))
                .collect::<Result<_, _>>()?,
            units,
        })
    }
}

/// Checks every serial of a list.
pub fn serials(list: &[String]) -> ApiResult<Vec<Serial>> {
    Ok(list
        .iter()
        .map(|s| Serial::parse(s))
        .collect::<Result<_, _>>()?)
}

/// Filters for `builds`.
#[derive(InputObject, Debug, Default)]
pub struct BuildFilter {
    /// Only builds in this status.
    pub status: Option<BuildStatus>,
    /// Only builds of this phase.
    pub phase: Option<BuildPhase>,
    /// Only builds of this package revision.
    pub package_id: Option<ID>,
    /// Every word appears in the product's part number or name (case-insensitive).
    pub search: Option<String>,
}

/// A build (work order).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Build {
    /// Unique id.
    pub id: ID,
    /// PROTOTYPE, PILOT or PRODUCTION.
    pub phase: BuildPhase,
    /// Units ordered.
    pub quantity: i32,
    /// When the units are due.
    pub due_date: NaiveDate,
    /// Where the build stands.
    pub status: BuildStatus,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// The row.
    #[graphql(skip)]
    pub row: build::Model,
}

impl Build {
    /// Converts a row.
    pub fn from_row(row: build::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            phase: crate::error::stored::<BuildPhase>(&row.phase)?,
            quantity: row.quantity,
            due_date: row.due_date,
            status: crate::error::stored::<BuildStatus>(&row.status)?,
            created_at: row.created_at,
            row,
        })
    }
}

/// How many units `Build.units(first:)` answers: `first`, default 100, between 1 and 1,000.
pub fn units_page(first: Option<i64>) -> u64 {
    first.unwrap_or(100).clamp(1, 1000) as u64
}

/// Loads a build's stations in routing order.
pub async fn stations(
    db: &impl ConnectionTrait,
    build_id: Uuid,
) -> ApiResult<Vec<build_station::Model>> {
    Ok(build_station::Entity::find()
        .filter(build_station::Column::BuildId.eq(build_id))
        .order_by_asc(build_station::Column::Position)
        .all(db)
        .await?)
}

#[ComplexObject]
impl Build {
    /// Clear-to-build: per BOM part, what the build needs (placements × units plus the EMS's
    /// attrition), what is on hand, taken by earlier-due builds or on order, and when it will
    /// be clear; shortages first. Open builds only (a finished one lists no lines).
    async fn material_status(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::supply::model::MaterialStatus> {
        crate::supply::resolver::material_status(ctx, &self.row).await
    }

    /// The NCRs found in this build, newest first.
    async fn ncrs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Ncr>> {
        crate::quality::resolver::ncrs_of(ctx, crate::quality::service::NcrsOf::Build(self.row.id))
            .await
    }

    /// The corrective actions covering NCRs of this build, newest first.
    async fn capas(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Capa>> {
        crate::quality::resolver::capas_of(ctx, crate::quality::service::NcrsOf::Build(self.row.id))
            .await
    }

    /// The build's shipments, newest first, with their cartons and advance ship notices.
    async fn shipments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::shipping::resolver::ShipmentDetail>> {
        let actor = ctx.reader()?;
        Ok(crate::shipping::service::shipments(
            ctx.state(),
            actor,
            Some(self.row.id),
            None,
            None,
            crate::pagination::MAX_PAGE,
        )
        .await?
        .into_iter()
        .map(crate::shipping::resolver::ShipmentDetail)
        .collect())
    }

    /// The package revision built.
    async fn package(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::packages::model::NpiPackage> {
        ctx.reader()?;
        Ok(
            crate::loaders::visible::<npi_package::Entity>(ctx.loaders(), self.row.package_id)
                .await?
                .into(),
        )
    }

    /// The product built.
    async fn product(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::packages::model::Product> {
        let row = product::Entity::find_by_id(self.row.product_id)
            .one(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(row.ok_or(ApiError::NotFound("product"))?.into())
    }

    /// The OEM the build is for.
    async fn oem(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::accounts::model::Organization> {
        ctx.reader()?;
        Ok(crate::accounts::model::Organization::from_model(
            crate::loaders::visible::<organization::Entity>(ctx.loaders(), self.row.oem_id).await?,
        )?)
    }

    /// The EMS building it.
    async fn ems(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::accounts::model::Organization> {
        ctx.reader()?;
        Ok(crate::accounts::model::Organization::from_model(
            crate::loaders::visible::<organization::Entity>(ctx.loaders(), self.row.ems_id).await?,
        )?)
    }

    /// The routing: ordered stations every unit passes.
    async fn routing(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Station>> {
        let rows =
            crate::loaders::children::<build_station::Entity>(ctx.loaders(), self.row.id).await?;
        Ok(rows
            .into_iter()
            .map(Station::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// Units per station: how many wait at each, and how many have passed it.
    async fn progress(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StationProgress>> {
        Ok(super::metrics::progress(&ctx.state().db, &self.row).await?)
    }

    /// The build's units, by serial (at most `first`, default 100, up to 1,000).
    async fn units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<Unit>> {
        let limit = units_page(first.map(i64::from));
        let key = crate::loaders::UnitsOfBuild {
            build_id: self.row.id,
            limit,
        };
        let rows = crate::loaders::units_of_build(ctx.loaders(), key).await?;
        Ok(rows
            .into_iter()
            .map(Unit::from_row)
            .collect::<ApiResult<_>>()?)
    }

    /// Yield, defects and DPMO of this build; formulas in each field's description.
    async fn metrics(&self, ctx: &Context<'_>) -> async_graphql::Result<BuildMetrics> {
        Ok(super::metrics::build_metrics(&ctx.state().db, &self.row).await?)
    }
}

/// A station of a build's routing.
#[derive(SimpleObject, Clone, Debug)]
pub struct Station {
    /// Unique id.
    pub id: ID,
    /// Order in the routing, from 0.
    pub position: i32,
    /// What it does.
    pub kind: StationKind,
    /// Display name, unique in the build.
    pub name: String,
}

impl Station {
    /// Converts a row.
    pub fn from_row(row: build_station::Model) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            position: row.position,
            kind: crate::error::stored::<StationKind>(&row.kind)?,
            name: row.name,
        })
    }
}

/// Units at and past one station.
#[derive(SimpleObject, Clone, Debug)]
pub struct StationProgress {
    /// The station.
    pub station: Station,
    /// Units whose next station this is.
    pub waiting: i32,
    /// Units held here after a FAIL, waiting for a defect disposition.
    pub on_hold: i32,
    /// Units that have passed this station.
    pub passed: i32,
}

/// One serialized unit. Its fields are read from the row when asked for, so a long page of
/// units costs nothing for the fields a query leaves out.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Where the unit stands, checked when the row is read.
    status: UnitStatus,
    /// The row.
    pub row: unit::Model,
}

impl Unit {
    /// Converts a row.
    pub fn from_row(row: unit::Model) -> ApiResult<Self> {
        Ok(Self {
            status: crate::error::stored::<UnitStatus>(&row.status)?,
            row,
        })
    }
}

/// One serialized unit.
#[Object]
impl Unit {
    /// Unique id.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }

    /// Serial number, unique within the EMS.
    async fn serial(&self) -> &str {
        &self.row.serial
    }

    /// Where the unit stands.
    async fn status(&self) -> UnitStatus {
        self.status
    }

    /// False once any station result was FAIL.
    async fn first_pass(&self) -> bool {
        !self.row.failed_ever
    }

    /// When it was serialized.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// When it reached its outcome: passed its last station, or was scrapped.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.row.completed_at
    }

    /// When it shipped.
    async fn shipped_at(&self) -> Option<DateTime<Utc>> {
        self.row.shipped_at
    }

    /// The build.
    async fn build(&self, ctx: &Context<'_>) -> async_graphql::Result<Build> {
        ctx.reader()?;
        Ok(Build::from_row(
            crate::loaders::visible::<build::Entity>(ctx.loaders(), self.row.build_id).await?,
        )?)
    }

    /// The next station to pass, if any.
    async fn next_station(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Station>> {
        let rows = stations(&ctx.state().db, self.row.build_id).await?;
        Ok(rows
            .into_iter()
            .find(|s| s.position == self.row.next_position)
            .map(Station::from_row)
            .transpose()?)
    }

    /// The NCRs with an item on this unit, newest first.
    async fn ncrs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Ncr>> {
        crate::quality::resolver::ncrs_of(ctx, crate::quality::service::NcrsOf::Unit(self.row.id))
            .await
    }

    /// The corrective actions covering NCRs of this unit, newest first.
    async fn capas(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Capa>> {
        crate::quality::resolver::capas_of(ctx, crate::quality::service::NcrsOf::Unit(self.row.id))
            .await
    }

    /// Every station result, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StationEvent>> {
        let loaders = ctx.loaders();
        let stations =
            crate::loaders::children::<build_station::Entity>(loaders, self.row.build_id).await?;
        let rows = crate::loaders::children::<station_event::Entity>(loaders, self.row.id).await?;
        rows.into_iter()
            .map(|row| {
                let name = stations
                    .iter()
                    .find(|s| s.id == row.station_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                Ok(StationEvent::from_row(row, name)?)
            })
            .collect()
    }

    /// Defects recorded on the unit, oldest first.
    async fn defects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Defect>> {
        let loaders = ctx.loaders();
        let stations =
            crate::loaders::children::<build_station::Entity>(loaders, self.row.build_id).await?;
        let rows = crate::loaders::children::<defect::Entity>(loaders, self.row.id).await?;
        rows.into_iter()
            .map(|row| {
                let name = stations
                    .iter()
                    .find(|s| s.id == row.station_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                Ok(Defect::from_row(row, name)?)
            })
            .collect()
    }

    /// Which lot fed each designator of this unit, by designator.
    async fn genealogy(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GenealogyEntry>> {
        let db = &ctx.state().db;
        let usages = lot_usage::Entity::find()
            .filter(lot_usage::Column::UnitId.eq(self.row.id))
            .order_by_asc(lot_usage::Column::Designator)
            .all(db)
            .await
            .map_err(ApiError::from)?;
        let lot_ids: Vec<Uuid> = usages.iter().map(|u| u.lot_id).collect();
        let lots = component_lot::Entity::find()
            .filter(component_lot::Column::Id.is_in(lot_ids))
            .all(db)
            .await
            .map_err(ApiError::from)?;
        Ok(usages
            .into_iter()
            .filter_map(|u| {
                let lot = lots.iter().find(|l| l.id == u.lot_id)?.clone();
                Some(GenealogyEntry {
                    designator: u.designator,
                    lot: ComponentLot::from(lot),
                })
            })
            .collect())
    }

    /// Alias of `genealogy`: the lots in this unit, by designator.
    async fn lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GenealogyEntry>> {
        self.genealogy(ctx).await
    }

    /// The unit this one is installed in now (a box holding this PCBA), if any.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        crate::boxbuild::model::parent_of(ctx, &self.row).await
    }

    /// Sub-assemblies installed in this unit, with position and the times installed and
    /// removed, oldest first; removed ones stay listed unless `currentOnly`.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] current_only: bool,
    ) -> async_graphql::Result<Vec<crate::boxbuild::model::UnitInstallation>> {
        crate::boxbuild::model::children_of(ctx, &self.row, current_only).await
    }

    /// Every box this unit was ever installed in, oldest first (the current one has no
    /// `removedAt`).
    async fn installed_in(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::boxbuild::model::UnitInstallation>> {
        crate::boxbuild::model::installed_in(ctx, &self.row).await
    }

    /// Firmware, IMEI, ICCID and MAC addresses recorded on this unit.
    async fn identity(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::boxbuild::model::UnitIdentity> {
        crate::boxbuild::model::identity_of(ctx, &self.row).await
    }

    /// Backward trace through every level: the lots of this unit and of every unit installed
    /// in it now, at any depth, with the path down to the unit holding each.
    async fn lots_at_every_level(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::boxbuild::model::LevelLot>> {
        ctx.reader()?;
        Ok(crate::boxbuild::model::lots_at_every_level(&ctx.state().db, &self.row).await?)
    }
}

/// A station result.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct StationEvent {
    /// Unique id.
    pub id: ID,
    /// The station's name.
    pub station: String,
    /// PASS or FAIL.
    pub result: StationResult,
    /// Measurements as recorded.
    pub measurements: async_graphql::Json<serde_json::Value>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl StationEvent {
    /// Converts a row.
    pub fn from_row(row: station_event::Model, station: String) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            station,
            result: crate::error::stored::<StationResult>(&row.result)?,
            measurements: async_graphql::Json(
                serde_json::from_str(&row.measurements).unwrap_or(serde_json::Value::Null),
            ),
            recorded_by: row.recorded_by,
            created_at: row.created_at,
        })
    }
}

/// A defect on a unit.
#[derive(SimpleObject, Clone, Debug)]
pub struct Defect {
    /// Unique id.
    pub id: ID,
    /// The station's name where it was found.
    pub station: String,
    /// Where on the board.
    pub designator: String,
    /// Defect code.
    pub code: DefectCode,
    /// Free description.
    pub description: String,
    /// What happened to the unit.
    pub disposition: Disposition,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Defect {
    /// Converts a row.
    pub fn from_row(row: defect::Model, station: String) -> ApiResult<Self> {
        Ok(Self {
            id: ID(row.id.to_string()),
            station,
            designator: row.designator,
            code: crate::error::stored::<DefectCode>(&row.code)?,
            description: row.description,
            disposition: crate::error::stored::<Disposition>(&row.disposition)?,
            recorded_by: row.recorded_by,
            created_at: row.created_at,
        })
    }
}

/// A reel or lot of a part.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct ComponentLot {
    /// Unique id.
    pub id: ID,
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Manufacturer's lot code.
    pub lot_code: String,
    /// Date code.
    pub date_code: String,
    /// The EMS's reel id.
    pub reel_id: String,
    /// Parts received.
    pub quantity: i32,
    /// Who supplied it.
    pub supplier: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

#[ComplexObject]
impl ComponentLot {
    /// The NCRs with an item on this lot (a supplier nonconformance, or a lot contained with
    /// the boards it fed), newest first.
    async fn ncrs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Ncr>> {
        let id = parse_id(&self.id, "component lot")?;
        crate::quality::resolver::ncrs_of(ctx, crate::quality::service::NcrsOf::Lot(id)).await
    }

    /// The corrective actions covering NCRs of this lot, newest first.
    async fn capas(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Capa>> {
        let id = parse_id(&self.id, "component lot")?;
        crate::quality::resolver::capas_of(ctx, crate::quality::service::NcrsOf::Lot(id)).await
    }
}

impl From<component_lot::Model> for ComponentLot {
    fn from(row: component_lot::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            mpn: row.mpn,
            manufacturer: row.manufacturer,
            lot_code: row.lot_code,
            date_code: row.date_code,
            reel_id: row.reel_id,
            quantity: row.quantity,
            supplier: row.supplier,
            received_at: row.received_at,
        }
    }
}

/// The lot that fed one designator of a unit.
#[derive(SimpleObject, Clone, Debug)]
pub struct GenealogyEntry {
    /// The designator.
    pub designator: String,
    /// The lot.
    pub lot: ComponentLot,
}

/// A count per defect code.
#[derive(SimpleObject, Clone, Debug)]
pub struct DefectCount {
    /// The code.
    pub code: DefectCode,
    /// How many.
    pub count: i32,
}

/// First-time yield at one station.
#[derive(SimpleObject, Clone, Debug)]
pub struct StationYield {
    /// The station's name.
    pub station: String,
    /// Units with at least one result at this station.
    pub tested: i32,
    /// Units whose first result here was PASS.
    pub passed_first_time: i32,
    /// First-time yield: `passedFirstTime ÷ tested`; null before any result.
    pub first_time_yield: Option<f64>,
}

/// Measures of one build.
#[derive(SimpleObject, Clone, Debug)]
pub struct BuildMetrics {
    /// Units with at least one station result.
    pub units_started: i32,
    /// Units that passed every station (shipped ones included).
    pub units_completed: i32,
    /// Units scrapped.
    pub units_scrapped: i32,
    /// First-pass yield: units that completed the whole routing without a single FAIL ÷ units
    /// that reached an outcome (completed or scrapped). Units still in work are not counted;
    /// reworked units count as not first-pass. Null before any outcome.
    pub first_pass_yield: Option<f64>,
    /// Defects per million opportunities: defects × 1,000,000 ÷ (units started × opportunities
    /// per unit). Null before any unit started.
    pub dpmo: Option<f64>,
    /// Opportunities per unit: the number of placed (not DNP) designators of the revision.
    pub opportunities_per_unit: i32,
    /// Defects recorded.
    pub defects: i32,
    /// Defects per code, most frequent first (a Pareto).
    pub defects_by_code: Vec<DefectCount>,
    /// First-time yield per station, in routing order.
    pub yield_by_station: Vec<StationYield>,
}

/// Measures of one week.
#[derive(SimpleObject, Clone, Debug)]
pub struct WeeklyMetrics {
    /// Monday of the ISO week.
    pub week_start: NaiveDate,
    /// Units that reached an outcome that week.
    pub units_with_outcome: i32,
    /// First-pass yield of those units.
    pub first_pass_yield: Option<f64>,
    /// Defects recorded that week.
    pub defects: i32,
}

/// Measures over a period, for everything the caller may see.
#[derive(SimpleObject, Clone, Debug)]
pub struct OrganizationMetrics {
    /// On-time delivery: builds shipped on or before their due date ÷ builds shipped; a build's
    /// ship date is its last shipment in the period. Null without shipments.
    pub on_time_delivery: Option<f64>,
    /// Builds with a shipment in the period.
    pub builds_shipped: i32,
    /// First-pass yield of units that reached an outcome in the period (see `BuildMetrics`).
    pub first_pass_yield: Option<f64>,
    /// Defects × 1,000,000 ÷ (units started in the period × their opportunities).
    pub dpmo: Option<f64>,
    /// Week by week.
    pub weekly: Vec<WeeklyMetrics>,
}

/// One unit in a trace answer.
#[derive(SimpleObject, Clone, Debug)]
pub struct TraceUnit {
    /// The unit.
    pub unit: Unit,
    /// Its serial.
    pub serial: String,
    /// The designators the lot fed on it.
    pub designators: Vec<String>,
    /// The build's id.
    pub build_id: ID,
    /// The build's phase.
    pub build_phase: BuildPhase,
    /// The product's part number.
    pub part_number: String,
    /// The package revision.
    pub revision: String,
    /// The OEM's name.
    pub oem: String,
    /// Whether the unit has shipped.
    pub shipped: bool,
}

/// A count of affected units under one heading.
#[derive(SimpleObject, Clone, Debug)]
pub struct TraceTotal {
    /// The OEM's or the build's id.
    pub id: ID,
    /// The OEM's name, or the build's product, revision and phase.
    pub label: String,
    /// Units affected.
    pub units: i32,
    /// Of those, units already shipped.
    pub shipped: i32,
}

crate::connection!(
    TraceUnitConnection,
    TraceUnitEdge,
    TraceUnit,
    "affected units"
);
crate::connection!(BuildConnection, BuildEdge, Build, "builds");
