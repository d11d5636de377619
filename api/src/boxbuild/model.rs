//! GraphQL types of box build: standards and classes, box-build BOM lines, installations,
//! unit identities, and the top-level side of a trace.

use super::levels::{self, Step};
use super::service::{self, NewBomLine, NewIdentity};
use crate::builds::model::{ComponentLot, Unit};
use crate::context::ContextExt;
use crate::entities::{
    box_bom_line, build, component_lot, lot_usage, npi_package, organization, package_file,
    product, shipment, shipment_delivery, unit, unit_identity, unit_installation, unit_mac_address,
};
use crate::error::{ApiError, ApiResult};
use crate::tenancy::Actor;
use async_graphql::{ComplexObject, Context, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::boxbuild::{BoxBomLineKind, IpcStandard, Whereabouts};
use firstpass_shared::domain::IpcClass;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The class a package states for one IPC standard.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug)]
#[graphql(input_name = "StandardClassInput")]
pub struct StandardClass {
    /// The standard: IPC-A-610 (boards), IPC/WHMA-A-620 (cables, harnesses), IPC-A-630 (enclosures, box build).
    pub standard: IpcStandard,
    /// Its class.
    pub class: IpcClass,
}

/// A line of a box-build BOM, as the OEM gives it.
#[derive(InputObject, Debug, Clone)]
pub struct BoxBomLineInput {
    /// Where it goes in the box (PCBA, MODEM, ANTENNA, PSU, …); unique in the BOM.
    pub position: String,
    /// SUBASSEMBLY, BOUGHT or FIRMWARE.
    pub kind: BoxBomLineKind,
    /// SUBASSEMBLY: the product's part number (a product of the same OEM); BOUGHT: the MPN;
    /// FIRMWARE: a name for the image (defaults to its file name).
    #[graphql(default)]
    pub part_number: String,
    /// SUBASSEMBLY: the revision that goes in.
    pub revision: Option<String>,
    /// Free description.
    #[graphql(default)]
    pub description: String,
    /// How many per box (default 1).
    #[graphql(default = 1)]
    pub quantity: i32,
    /// FIRMWARE: the file of this package holding the released image.
    pub file_name: Option<String>,
    /// FIRMWARE: the image's version.
    pub firmware_version: Option<String>,
}

impl BoxBomLineInput {
    /// The line as the service takes it.
    pub fn into_command(self) -> NewBomLine {
        NewBomLine {
            position: self.position,
            kind: self.kind,
            part_number: self.part_number,
            revision: self.revision,
            description: self.description,
            quantity: self.quantity,
            file_name: self.file_name,
            firmware_version: self.firmware_version,
        }
    }
}

/// A line of a box-build BOM.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct BoxBomLine {
    /// Where it goes in the box.
    pub position: String,
    /// SUBASSEMBLY, BOUGHT or FIRMWARE.
    pub kind: BoxBomLineKind,
    /// The sub-assembly's part number, the bought item's MPN, or the firmware's name.
    pub part_number: String,
    /// The sub-assembly's revision.
    pub revision: Option<String>,
    /// Free description.
    pub description: String,
    /// How many per box.
    pub quantity: i32,
    /// The firmware image's file name.
    pub file_name: Option<String>,
    /// The firmware image's version.
    pub firmware_version: Option<String>,
    /// The row.
    #[graphql(skip)]
    pub row: box_bom_line::Model,
}

impl BoxBomLine {
    /// Converts a row.
    pub fn from_row(row: box_bom_line::Model) -> ApiResult<Self> {
        Ok(Self {
            position: row.position.clone(),
            kind: crate::error::stored(&row.kind)?,
            part_number: row.part_number.clone(),
            revision: row.child_revision.clone(),
            description: row.description.clone(),
            quantity: row.quantity,
            file_name: row.file_name.clone(),
            firmware_version: row.firmware_version.clone(),
            row,
        })
    }
}

#[ComplexObject]
impl BoxBomLine {
    /// The sub-assembly's product.
    async fn product(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::packages::model::Product>> {
        ctx.reader()?;
        let Some(id) = self.row.child_product_id else {
            return Ok(None);
        };
        Ok(Some(
            crate::loaders::visible::<product::Entity>(ctx.loaders(), id)
                .await?
                .into(),
        ))
    }

    /// The released firmware image's SHA-256: the only image `recordUnitIdentity` accepts
    /// for units of this revision.
    async fn firmware_sha256(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(name) = &self.row.file_name else {
            return Ok(None);
        };
        let files =
            crate::loaders::children::<package_file::Entity>(ctx.loaders(), self.row.package_id)
                .await?;
        Ok(files
            .into_iter()
            .find(|f| &f.name == name)
            .map(|f| f.sha256))
    }
}

/// A sub-assembly installed in a box: current, or removed (kept on record).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct UnitInstallation {
    /// Unique id.
    pub id: ID,
    /// The position in the box's BOM.
    pub position: String,
    /// When it was installed.
    pub installed_at: DateTime<Utc>,
    /// Who installed it.
    pub installed_by: String,
    /// When it was removed, if it was.
    pub removed_at: Option<DateTime<Utc>>,
    /// Who removed it.
    pub removed_by: Option<String>,
    /// Why it was removed.
    pub removal_reason: Option<String>,
    /// The row.
    #[graphql(skip)]
    pub row: unit_installation::Model,
}

impl From<unit_installation::Model> for UnitInstallation {
    fn from(row: unit_installation::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            position: row.position.clone(),
            installed_at: row.installed_at,
            installed_by: row.installed_by.clone(),
            removed_at: row.removed_at,
            removed_by: row.removed_by.clone(),
            removal_reason: row.removal_reason.clone(),
            row,
        }
    }
}

#[ComplexObject]
impl UnitInstallation {
    /// The box (the unit installed into).
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Unit> {
        ctx.reader()?;
        Ok(Unit::from_row(
            crate::loaders::visible::<unit::Entity>(ctx.loaders(), self.row.parent_id).await?,
        )?)
    }

    /// The sub-assembly (the unit installed).
    async fn child(&self, ctx: &Context<'_>) -> async_graphql::Result<Unit> {
        ctx.reader()?;
        Ok(Unit::from_row(
            crate::loaders::visible::<unit::Entity>(ctx.loaders(), self.row.child_id).await?,
        )?)
    }

    /// Whether it is still installed.
    async fn current(&self) -> bool {
        self.row.removed_at.is_none()
    }
}

/// What identifies a unit to the world.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct UnitIdentity {
    /// Firmware version loaded.
    pub firmware_version: Option<String>,
    /// SHA-256 of the firmware image loaded (one the OEM released on the revision).
    pub firmware_sha256: Option<String>,
    /// The modem's IMEI (unique within the EMS).
    pub imei: Option<String>,
    /// The SIM's ICCID (unique within the EMS).
    pub iccid: Option<String>,
    /// MAC addresses (each unique within the EMS), as `AA:BB:CC:DD:EE:FF`.
    pub mac_addresses: Vec<String>,
    /// Who recorded it last.
    pub recorded_by: Option<String>,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// Identities to record on a unit; a field left out stays as it is.
#[derive(InputObject, Debug, Clone, Default)]
pub struct UnitIdentityInput {
    /// Firmware version loaded.
    pub firmware_version: Option<String>,
    /// SHA-256 of the image loaded: must be the image released on the unit's revision.
    pub firmware_sha256: Option<String>,
    /// The modem's IMEI: 15 digits with a valid check digit.
    pub imei: Option<String>,
    /// The SIM's ICCID: 18 to 22 digits.
    pub iccid: Option<String>,
    /// Every MAC address of the unit (replaces those recorded).
    pub mac_addresses: Option<Vec<String>>,
}

impl UnitIdentityInput {
    /// The identity as the service takes it.
    pub fn into_command(self) -> NewIdentity {
        NewIdentity {
            firmware_version: self.firmware_version,
            firmware_sha256: self.firmware_sha256,
            imei: self.imei,
            iccid: self.iccid,
            mac_addresses: self.mac_addresses,
        }
    }
}

/// A lot found inside a box, at some level.
#[derive(SimpleObject, Clone, Debug)]
pub struct LevelLot {
    /// 0 for the box itself, 1 for a unit installed in it, …
    pub depth: i32,
    /// The unit holding the lot.
    pub serial: String,
    /// From the box down to that unit: `GW-000001 → PCBA → PCBA-000001`.
    pub path: String,
    /// The designator (or, on a box, the BOM position) the lot fed.
    pub designator: String,
    /// The lot.
    pub lot: ComponentLot,
}

/// The unit currently holding `unit`, if the caller may see it.
pub async fn parent_of(
    ctx: &Context<'_>,
    unit: &unit::Model,
) -> async_graphql::Result<Option<Unit>> {
    ctx.reader()?;
    let edges = ctx
        .loaders()
        .load_one(crate::loaders::InstallationsOfChild(unit.id))
        .await?
        .unwrap_or_default();
    let Some(edge) = edges.into_iter().find(|e| e.removed_at.is_none()) else {
        return Ok(None);
    };
    Ok(Some(Unit::from_row(
        crate::loaders::visible::<unit::Entity>(ctx.loaders(), edge.parent_id).await?,
    )?))
}

/// Every installation of sub-assemblies into `unit`, oldest first (removed ones too unless
/// `current_only`).
pub async fn children_of(
    ctx: &Context<'_>,
    unit: &unit::Model,
    current_only: bool,
) -> async_graphql::Result<Vec<UnitInstallation>> {
    ctx.reader()?;
    let edges =
        crate::loaders::children::<unit_installation::Entity>(ctx.loaders(), unit.id).await?;
    Ok(edges
        .into_iter()
        .filter(|e| !current_only || e.removed_at.is_none())
        .map(UnitInstallation::from)
        .collect())
}

/// Every installation of `unit` into a box, oldest first.
pub async fn installed_in(
    ctx: &Context<'_>,
    unit: &unit::Model,
) -> async_graphql::Result<Vec<UnitInstallation>> {
    ctx.reader()?;
    Ok(ctx
        .loaders()
        .load_one(crate::loaders::InstallationsOfChild(unit.id))
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(UnitInstallation::from)
        .collect())
}

/// What identifies `unit`.
pub async fn identity_of(
    ctx: &Context<'_>,
    unit: &unit::Model,
) -> async_graphql::Result<UnitIdentity> {
    ctx.reader()?;
    let rows = crate::loaders::children::<unit_identity::Entity>(ctx.loaders(), unit.id).await?;
    let macs = crate::loaders::children::<unit_mac_address::Entity>(ctx.loaders(), unit.id).await?;
    let mut identity = rows
        .into_iter()
        .next()
        .map(|row| UnitIdentity {
            firmware_version: row.firmware_version,
            firmware_sha256: row.firmware_sha256,
            imei: row.imei,
            iccid: row.iccid,
            mac_addresses: Vec::new(),
            recorded_by: Some(row.recorded_by),
            updated_at: Some(row.updated_at),
        })
        .unwrap_or_default();
    identity.mac_addresses = macs.into_iter().map(|m| m.mac).collect();
    Ok(identity)
}

/// Every lot in `root` at every level: its own (bought items on a box, parts on a board) and
/// those of every unit installed in it now, at any depth.
pub async fn lots_at_every_level(
    db: &impl ConnectionTrait,
    root: &unit::Model,
) -> ApiResult<Vec<LevelLot>> {
    let inside = levels::descend(db, root.id).await?;
    let ids: Vec<Uuid> = inside.iter().map(|i| i.unit).collect();
    let units: HashMap<Uuid, unit::Model> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut paths: HashMap<Uuid, String> = HashMap::new();
    for item in &inside {
        let serial = units.get(&item.unit).map_or("", |u| u.serial.as_str());
        let path = match item.parent.and_then(|p| paths.get(&p)) {
            Some(above) => format!("{above} → {} → {serial}", item.position),
            None => serial.to_owned(),
        };
        paths.insert(item.unit, path);
    }
    let usages = lot_usage::Entity::find()
        .filter(lot_usage::Column::UnitId.is_in(ids))
        .order_by_asc(lot_usage::Column::Designator)
        .all(db)
        .await?;
    let lots: HashMap<Uuid, component_lot::Model> = component_lot::Entity::find()
        .filter(component_lot::Column::Id.is_in(usages.iter().map(|u| u.lot_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let depth: HashMap<Uuid, i32> = inside.iter().map(|i| (i.unit, i.depth)).collect();
    let mut out: Vec<LevelLot> = usages
        .into_iter()
        .filter_map(|usage| {
            let lot = lots.get(&usage.lot_id)?.clone();
            Some(LevelLot {
                depth: depth.get(&usage.unit_id).copied().unwrap_or(0),
                serial: units.get(&usage.unit_id)?.serial.clone(),
                path: paths.get(&usage.unit_id).cloned().unwrap_or_default(),
                designator: usage.designator,
                lot: ComponentLot::from(lot),
            })
        })
        .collect();
    out.sort_by(|a, b| (a.depth, &a.path, &a.designator).cmp(&(b.depth, &b.path, &b.designator)));
    Ok(out)
}

/// A shipment, as a trace or a recall shows it.
#[derive(SimpleObject, Clone, Debug)]
pub struct ShipmentInfo {
    /// Unique id.
    pub id: ID,
    /// The ship-to address.
    pub destination: String,
    /// Carrier.
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// When it shipped.
    pub shipped_at: DateTime<Utc>,
    /// When its delivery was confirmed, if it was.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One link of a trace path: a unit and the position it holds in the next one up.
#[derive(SimpleObject, Clone, Debug)]
pub struct TraceLink {
    /// The unit's serial.
    pub serial: String,
    /// The position it holds in the next unit up (none for the top-level unit).
    pub position: Option<String>,
}

/// How an affected unit sits in a top-level unit.
#[derive(SimpleObject, Clone, Debug)]
pub struct TracePath {
    /// `lot → designator → PCBA serial → position → box serial`, as one line.
    pub text: String,
    /// The unit holding the lot.
    pub affected_serial: String,
    /// The designators the lot fed on it.
    pub designators: Vec<String>,
    /// From the affected unit up to the top-level unit.
    pub links: Vec<TraceLink>,
}

/// A top-level unit (one that sits in nothing) holding an affected unit at some depth, or
/// being one.
#[derive(SimpleObject, Clone, Debug)]
pub struct TraceTopUnit {
    /// The top-level unit.
    pub unit: Unit,
    /// Its serial.
    pub serial: String,
    /// Its product's part number.
    pub part_number: String,
    /// Its revision.
    pub revision: String,
    /// Its OEM's name.
    pub oem: String,
    /// Whether it has shipped.
    pub shipped: bool,
    /// IN_FACTORY, IN_TRANSIT or DELIVERED.
    pub whereabouts: Whereabouts,
    /// Its shipment, once shipped.
    pub shipment: Option<ShipmentInfo>,
    /// How each affected unit sits in it.
    pub paths: Vec<TracePath>,
}

/// The affected units one top-level unit holds: each with the chain above it.
pub type HeldPaths = Vec<(Uuid, Vec<Step>)>;

/// Affected units grouped under the top-level unit holding each now, by top-level unit id.
#[derive(Debug, Clone, Default)]
pub struct TopLevels {
    /// Top-level unit id → (affected unit id, the chain above it).
    pub tops: BTreeMap<Uuid, HeldPaths>,
    /// The top-level units that have shipped.
    pub shipped: std::collections::HashSet<Uuid>,
}

/// Climbs from the affected units of `lots` to the top-level units the actor may see.
pub async fn top_levels(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lots: &[Uuid],
    visible_affected: &std::collections::BTreeSet<Uuid>,
) -> ApiResult<TopLevels> {
    let climbed = levels::climb_from_lots(db, lots).await?;
    tops_of(db, actor, climbed, |id| visible_affected.contains(id)).await
}

/// Groups climbed units under their top-level units, keeping the affected units `visible`
/// says the actor may see and the top-level units the actor may see.
pub async fn tops_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    climbed: levels::Climbed,
    visible: impl Fn(&Uuid) -> bool,
) -> ApiResult<TopLevels> {
    let mut tops: BTreeMap<Uuid, HeldPaths> = BTreeMap::new();
    for (start, steps) in climbed.chains {
        if !visible(&start) {
            continue;
        }
        let top = steps.last().map_or(start, |s| s.parent);
        tops.entry(top).or_default().push((start, steps));
    }
    // Only top-level units the actor may see (an OEM's boxes hold its own boards).
    if actor.org_kind == firstpass_shared::domain::OrgKind::Oem {
        let ids: Vec<Uuid> = tops.keys().copied().collect();
        let mut visible = std::collections::BTreeSet::new();
        for chunk in ids.chunks(1000) {
            let rows: Vec<Uuid> = actor
                .select::<unit::Entity>()
                .select_only_id()
                .filter(unit::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            visible.extend(rows);
        }
        tops.retain(|id, _| visible.contains(id));
    }
    let shipped = climbed
        .shipped
        .into_iter()
        .filter(|id| tops.contains_key(id))
        .collect();
    Ok(TopLevels { tops, shipped })
}

/// Selecting only a unit's id.
trait SelectOnlyId {
    fn select_only_id(self) -> Self;
}

impl SelectOnlyId for sea_orm::Select<unit::Entity> {
    fn select_only_id(self) -> Self {
        use sea_orm::QuerySelect;
        self.select_only().column(unit::Column::Id)
    }
}

/// Shipments by id with their deliveries.
pub async fn shipments(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, ShipmentInfo>> {
    let ids: Vec<Uuid> = ids
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows = shipment::Entity::find()
            .filter(shipment::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let deliveries: HashMap<Uuid, DateTime<Utc>> = shipment_delivery::Entity::find()
            .filter(shipment_delivery::Column::ShipmentId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.shipment_id, d.delivered_at))
            .collect();
        for row in rows {
            out.insert(
                row.id,
                ShipmentInfo {
                    id: ID(row.id.to_string()),
                    delivered_at: deliveries.get(&row.id).copied(),
                    destination: row.destination,
                    carrier: row.carrier,
                    tracking_number: row.tracking_number,
                    shipped_at: row.shipped_at,
                },
            );
        }
    }
    Ok(out)
}

/// Where a unit is: in the factory, in transit or delivered.
pub fn whereabouts(unit: &unit::Model, shipment: Option<&ShipmentInfo>) -> Whereabouts {
    match (unit.shipped_at, shipment) {
        (None, _) => Whereabouts::InFactory,
        (Some(_), Some(s)) if s.delivered_at.is_some() => Whereabouts::Delivered,
        (Some(_), _) => Whereabouts::InTransit,
    }
}

/// Builds, packages, products and OEMs of some units, loaded once.
pub struct Made {
    /// Builds by id.
    pub builds: HashMap<Uuid, build::Model>,
    /// Packages by id.
    pub packages: HashMap<Uuid, npi_package::Model>,
    /// Products by id.
    pub products: HashMap<Uuid, product::Model>,
    /// OEMs by id.
    pub oems: HashMap<Uuid, organization::Model>,
}

impl Made {
    /// Loads what the builds of these units are.
    pub async fn load(
        db: &impl ConnectionTrait,
        build_ids: impl IntoIterator<Item = Uuid>,
    ) -> ApiResult<Self> {
        let ids: Vec<Uuid> = build_ids
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let builds = build::Entity::find()
            .filter(build::Column::Id.is_in(ids))
            .all(db)
            .await?;
        let packages = npi_package::Entity::find()
            .filter(npi_package::Column::Id.is_in(builds.iter().map(|b| b.package_id)))
            .all(db)
            .await?;
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(builds.iter().map(|b| b.product_id)))
            .all(db)
            .await?;
        let oems = organization::Entity::find()
            .filter(organization::Column::Id.is_in(builds.iter().map(|b| b.oem_id)))
            .all(db)
            .await?;
        Ok(Self {
            builds: builds.into_iter().map(|b| (b.id, b)).collect(),
            packages: packages.into_iter().map(|p| (p.id, p)).collect(),
            products: products.into_iter().map(|p| (p.id, p)).collect(),
            oems: oems.into_iter().map(|o| (o.id, o)).collect(),
        })
    }

    /// (part number, revision, OEM name, OEM id, product id) of a unit's build.
    pub fn describe(&self, build_id: Uuid) -> (String, String, String, Uuid, Uuid) {
        let Some(build) = self.builds.get(&build_id) else {
            return Default::default();
        };
        (
            self.products
                .get(&build.product_id)
                .map_or_else(String::new, |p| p.part_number.clone()),
            self.packages
                .get(&build.package_id)
                .map_or_else(String::new, |p| p.revision.clone()),
            self.oems
                .get(&build.oem_id)
                .map_or_else(String::new, |o| o.name.clone()),
            build.oem_id,
            build.product_id,
        )
    }
}

/// Units by id, in chunks.
pub async fn units_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, unit::Model>> {
    let ids: Vec<Uuid> = ids
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        for row in unit::Entity::find()
            .filter(unit::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(row.id, row);
        }
    }
    Ok(out)
}

/// The top-level units of a page, with their paths, shipments and what they are.
pub async fn top_units(
    db: &impl ConnectionTrait,
    page: &[(Uuid, HeldPaths)],
    designators: &HashMap<Uuid, Vec<String>>,
    lot_label: &str,
) -> ApiResult<Vec<TraceTopUnit>> {
    let mut ids: Vec<Uuid> = Vec::new();
    for (top, paths) in page {
        ids.push(*top);
        for (start, steps) in paths {
            ids.push(*start);
            ids.extend(steps.iter().map(|s| s.parent));
        }
    }
    let units = units_by_id(db, ids).await?;
    let made = Made::load(
        db,
        page.iter()
            .filter_map(|(t, _)| units.get(t))
            .map(|u| u.build_id),
    )
    .await?;
    let ships = shipments(
        db,
        page.iter().filter_map(|(t, _)| units.get(t)?.shipment_id),
    )
    .await?;
    let serial = |id: &Uuid| units.get(id).map_or_else(String::new, |u| u.serial.clone());
    let mut out = Vec::with_capacity(page.len());
    for (top, paths) in page {
        let Some(row) = units.get(top) else { continue };
        let (part_number, revision, oem, _, _) = made.describe(row.build_id);
        let shipment = row.shipment_id.and_then(|id| ships.get(&id)).cloned();
        let mut trace_paths = Vec::with_capacity(paths.len());
        for (start, steps) in paths {
            let mut links = Vec::with_capacity(steps.len() + 1);
            let mut lower = *start;
            for step in steps {
                links.push(TraceLink {
                    serial: serial(&lower),
                    position: Some(step.position.clone()),
                });
                lower = step.parent;
            }
            links.push(TraceLink {
                serial: serial(&lower),
                position: None,
            });
            let designators = designators.get(start).cloned().unwrap_or_default();
            let mut text = format!("{lot_label} → {}", designators.join(", "));
            for link in &links {
                text.push_str(" → ");
                text.push_str(&link.serial);
                if let Some(position) = &link.position {
                    text.push_str(" → ");
                    text.push_str(position);
                }
            }
            trace_paths.push(TracePath {
                text,
                affected_serial: serial(start),
                designators,
                links,
            });
        }
        out.push(TraceTopUnit {
            serial: row.serial.clone(),
            part_number,
            revision,
            oem,
            shipped: row.shipped_at.is_some(),
            whereabouts: whereabouts(row, shipment.as_ref()),
            shipment,
            paths: trace_paths,
            unit: Unit::from_row(row.clone())?,
        });
    }
    Ok(out)
}

crate::connection!(
    TraceTopUnitConnection,
    TraceTopUnitEdge,
    TraceTopUnit,
    "top-level units holding affected units"
);

/// The BOM lines of a package as GraphQL objects.
pub async fn bom_of(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<Vec<BoxBomLine>> {
    service::bom_lines(db, package.id)
        .await?
        .into_iter()
        .map(BoxBomLine::from_row)
        .collect()
}

/// The standards of a package as GraphQL objects.
pub async fn standards_of(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<Vec<StandardClass>> {
    Ok(service::standards_of(db, package)
        .await?
        .into_iter()
        .map(|(standard, class)| StandardClass { standard, class })
        .collect())
}

/// A unit by serial the caller may see.
pub async fn visible_unit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    serial: &str,
) -> ApiResult<unit::Model> {
    actor
        .select::<unit::Entity>()
        .filter(unit::Column::Serial.eq(serial))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("unit"))
}
