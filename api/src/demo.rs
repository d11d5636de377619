//! `firstpass demo-data`: a small, idempotent world to try Firstpass in.

use crate::accounts::service::{self, NewUser};
use crate::audit::AuditMeta;
use crate::entities::{partnership, user};
use crate::error::{ApiError, ApiResult};
use firstpass_shared::domain::{
    BuildPhase, BuildStatus, IpcClass, OrgKind, PackageStatus, Role, StationKind, UnitStatus,
};
use firstpass_shared::text::DisplayName;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "firstpass-demo";

/// One demo organization.
pub struct DemoOrg {
    /// Name.
    pub name: &'static str,
    /// Kind.
    pub kind: OrgKind,
    /// Its users: e-mail, full name, role.
    pub users: &'static [(&'static str, &'static str, Role)],
}

/// Two OEMs and one EMS, with one user of each role.
pub const DEMO_ORGS: &[DemoOrg] = &[
    DemoOrg {
        name: "Acme Gateways",
        kind: OrgKind::Oem,
        users: &[
            ("admin@acme.example", "Ada Admin", Role::OemAdmin),
            ("engineer@acme.example", "Eli Engineer", Role::OemEngineer),
        ],
    },
    DemoOrg {
        name: "Globex Medical",
        kind: OrgKind::Oem,
        users: &[
            ("admin@globex.example", "Gia Admin", Role::OemAdmin),
            ("engineer@globex.example", "Gus Engineer", Role::OemEngineer),
        ],
    },
    DemoOrg {
        name: "Northwind EMS",
        kind: OrgKind::Ems,
        users: &[
            ("admin@northwind.example", "Nia Admin", Role::EmsAdmin),
            (
                "pm@northwind.example",
                "Pat Program-Manager",
                Role::EmsProgramManager,
            ),
            (
                "quality@northwind.example",
                "Quinn Quality",
                Role::EmsQuality,
            ),
            (
                "operator@northwind.example",
                "Oli Operator",
                Role::EmsOperator,
            ),
        ],
    },
];

/// Creates whatever of the demo world is missing; safe to run again.
pub async fn seed(db: &DatabaseConnection) -> ApiResult<()> {
    for demo in DEMO_ORGS {
        let org = match service::organization_by_name(db, demo.name).await {
            Ok(org) => org,
            Err(ApiError::NotFound(_)) => {
                service::create_organization(db, &DisplayName::parse(demo.name)?, demo.kind).await?
            }
            Err(err) => return Err(err),
        };
        for (email, full_name, role) in demo.users {
            let exists = user::Entity::find()
                .filter(user::Column::Email.eq(*email))
                .one(db)
                .await?
                .is_some();
            if !exists {
                let new = NewUser {
                    email: (*email).to_owned(),
                    full_name: DisplayName::parse(full_name)?,
                    role: *role,
                    password: DEMO_PASSWORD.to_owned(),
                };
                service::create_user(db, &org, new, &AuditMeta::system(org.id)).await?;
            }
        }
    }
    let ems = DEMO_ORGS.iter().filter(|o| o.kind == OrgKind::Ems);
    for ems in ems {
        for oem in DEMO_ORGS.iter().filter(|o| o.kind == OrgKind::Oem) {
            let oem_row = service::organization_by_name(db, oem.name).await?;
            let ems_row = service::organization_by_name(db, ems.name).await?;
            let linked = partnership::Entity::find()
                .filter(partnership::Column::OemId.eq(oem_row.id))
                .filter(partnership::Column::EmsId.eq(ems_row.id))
                .one(db)
                .await?
                .is_some();
            if !linked {
                service::create_partnership(db, oem.name, ems.name).await?;
            }
        }
    }
    Ok(())
}

/// The sign-in details printed after seeding.
pub fn summary() -> String {
    let mut out = String::from("Demo accounts (password for all: ");
    out.push_str(DEMO_PASSWORD);
    out.push_str(")\n");
    for demo in DEMO_ORGS {
        for (email, _, role) in demo.users {
            out.push_str(&format!("  {email:<30} {role:<20} {}\n", demo.name));
        }
    }
    out
}

/// What [`seed_factory`] made.
#[derive(Debug, Clone, Copy)]
pub struct Factory {
    /// Units created.
    pub units: u32,
    /// Builds created.
    pub builds: u32,
    /// Lot usage rows created.
    pub usages: u64,
}

/// Units per generated build.
const BUILD_SIZE: u32 = 1000;

/// A generated product and its accepted revision A.
struct Generated {
    oem_id: uuid::Uuid,
    ems_id: uuid::Uuid,
    engineer_id: uuid::Uuid,
    part_number: String,
    name: String,
    quantity: u32,
}

/// Inserts a product of the OEM with an ACCEPTED revision A for the EMS whose stored analysis
/// is `analysis` (as if its files had been uploaded and checked); the product and the package.
async fn accepted_revision(
    txn: &impl sea_orm::ConnectionTrait,
    new: Generated,
    analysis: &firstpass_shared::cad::PackageAnalysis,
) -> ApiResult<(
    crate::entities::product::Model,
    crate::entities::npi_package::Model,
)> {
    use crate::entities::{npi_package, package_analysis, product};
    use sea_orm::ActiveValue::Set;
    use uuid::Uuid;
    let now = chrono::Utc::now();
    let product = product::ActiveModel {
        id: Set(Uuid::now_v7()),
        oem_id: Set(new.oem_id),
        part_number: Set(new.part_number),
        name: Set(new.name),
        description: Set(String::new()),
        created_by: Set(new.engineer_id),
        created_at: Set(now),
        tier: Set(firstpass_shared::boxbuild::ProductTier::Pcba.into()),
    }
    .insert(txn)
    .await?;
    let package = npi_package::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(product.id),
        oem_id: Set(new.oem_id),
        ems_id: Set(new.ems_id),
        revision: Set("A".to_owned()),
        ipc_class: Set(IpcClass::Class2.into()),
        quantities: Set(new.quantity.to_string()),
        notes: Set(String::new()),
        status: Set(PackageStatus::Accepted.into()),
        content_hash: Set(None),
        first_submitted_at: Set(Some(now)),
        previous_package_id: Set(None),
        created_by: Set(new.engineer_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    package_analysis::ActiveModel {
        package_id: Set(package.id),
        analysis: Set(serde_json::to_string(analysis).map_err(ApiError::internal)?),
        error_count: Set(0),
        warning_count: Set(0),
        computed_at: Set(now),
        inputs_hash: Set(None),
        pictures: Set(None),
    }
    .insert(txn)
    .await?;
    Ok((product, package))
}

/// Generates a factory for load tests: an accepted revision of the demo gateway board, builds of
/// 1,000 completed units, and for every unit a lot on every placed designator. Reel `r` of a
/// build carries lot code `LOT-{build % 100}-{designator}`, so each lot code reaches about 1 %
/// of the units once there are 100 builds or more. Rows go in with multi-row inserts, one
/// transaction per build. Not idempotent: each call adds a new product.
pub async fn seed_factory(db: &DatabaseConnection, units: u32) -> ApiResult<Factory> {
    use crate::entities::{build, build_station, component_lot, lot_usage, unit};
    use chrono::Utc;
    use firstpass_shared::cad::{fixtures, validate};
    use sea_orm::{ActiveValue::Set, TransactionTrait};
    use uuid::Uuid;

    let oem = service::organization_by_name(db, "Acme Gateways").await?;
    let ems = service::organization_by_name(db, "Northwind EMS").await?;
    let engineer = user::Entity::find()
        .filter(user::Column::Email.eq("engineer@acme.example"))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let pm = user::Entity::find()
        .filter(user::Column::Email.eq("pm@northwind.example"))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("user"))?;

    let files = fixtures::board(fixtures::Style::KiCad);
    let analysis = validate::validate_package(&fixtures::inputs(&files));
    let designators: Vec<String> = analysis
        .bom_lines
        .iter()
        .filter(|l| !l.dnp)
        .flat_map(|l| l.designators.clone())
        .collect();
    let mpn_of = |d: &str| {
        analysis
            .bom_lines
            .iter()
            .find(|l| l.designators.iter().any(|x| x == d))
            .and_then(|l| l.mpn.clone())
            .unwrap_or_default()
    };
    let now = Utc::now();
    let tag = Uuid::now_v7().simple().to_string()[..8].to_owned();
    let txn = db.begin().await?;
    let (product, package) = accepted_revision(
        &txn,
        Generated {
            oem_id: oem.id,
            ems_id: ems.id,
            engineer_id: engineer.id,
            part_number: format!("GW-SCALE-{tag}"),
            name: "Industrial gateway (generated factory)".to_owned(),
            quantity: units,
        },
        &analysis,
    )
    .await?;
    txn.commit().await?;

    let builds = units.div_ceil(BUILD_SIZE);
    let mut made = Factory {
        units: 0,
        builds,
        usages: 0,
    };
    for b in 0..builds {
        let count = BUILD_SIZE.min(units - b * BUILD_SIZE);
        let txn = db.begin().await?;
        let row = build::ActiveModel {
            id: Set(Uuid::now_v7()),
            package_id: Set(package.id),
            product_id: Set(product.id),
            oem_id: Set(oem.id),
            ems_id: Set(ems.id),
            phase: Set(if b == 0 {
                BuildPhase::Pilot
            } else {
                BuildPhase::Production
            }
            .into()),
            quantity: Set(count as i32),
            due_date: Set(now.date_naive()),
            status: Set(BuildStatus::Completed.into()),
            created_by: Set(pm.id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        for (position, (kind, name)) in [
            (StationKind::SmtTop, "SMT"),
            (StationKind::Reflow, "Reflow"),
            (StationKind::Aoi, "AOI"),
            (StationKind::Ict, "ICT"),
            (StationKind::Fct, "FCT"),
            (StationKind::BoxBuild, "Box build"),
        ]
        .iter()
        .enumerate()
        {
            build_station::ActiveModel {
                id: Set(Uuid::now_v7()),
                build_id: Set(row.id),
                position: Set(position as i32),
                kind: Set((*kind).into()),
                name: Set((*name).to_owned()),
            }
            .insert(&txn)
            .await?;
        }
        let lots: Vec<component_lot::ActiveModel> = designators
            .iter()
            .map(|d| component_lot::ActiveModel {
                id: Set(Uuid::now_v7()),
                ems_id: Set(ems.id),
                mpn: Set(mpn_of(d)),
                manufacturer: Set("Generated".to_owned()),
                lot_code: Set(format!("LOT-{}-{d}", b % 100)),
                date_code: Set("2446".to_owned()),
                reel_id: Set(format!("R-{tag}-{b}-{d}")),
                quantity: Set(count as i32),
                supplier: Set("Generated".to_owned()),
                received_at: Set(now),
            })
            .collect();
        let lot_ids: Vec<Uuid> = lots.iter().filter_map(|l| l.id.clone().take()).collect();
        component_lot::Entity::insert_many(lots).exec(&txn).await?;
        let unit_rows: Vec<unit::ActiveModel> = (0..count)
            .map(|i| unit::ActiveModel {
                id: Set(Uuid::now_v7()),
                build_id: Set(row.id),
                ems_id: Set(ems.id),
                serial: Set(format!("S{tag}-{b:05}-{i:04}")),
                status: Set(UnitStatus::Completed.into()),
                next_position: Set(6),
                failed_ever: Set(false),
                shipment_id: Set(None),
                created_at: Set(now),
                completed_at: Set(Some(now)),
                shipped_at: Set(None),
                parent_unit_id: Set(None),
                parent_position: Set(None),
                top_unit_id: Set(None),
                top_shipped_at: Set(None),
            })
            .collect();
        let unit_ids: Vec<Uuid> = unit_rows
            .iter()
            .filter_map(|u| u.id.clone().take())
            .collect();
        for chunk in unit_rows.chunks(500) {
            unit::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        let mut usages = Vec::with_capacity(unit_ids.len() * designators.len());
        for unit_id in &unit_ids {
            for (d, lot_id) in designators.iter().zip(&lot_ids) {
                usages.push(lot_usage::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    lot_id: Set(*lot_id),
                    unit_id: Set(*unit_id),
                    build_id: Set(row.id),
                    designator: Set(d.clone()),
                    created_at: Set(now),
                });
            }
        }
        made.usages += usages.len() as u64;
        for chunk in usages.chunks(1000) {
            lot_usage::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        made.units += count;
    }
    // Fresh statistics after a bulk load, as autovacuum would gather later: without them
    // PostgreSQL misjudges how selective a lot is and may scan instead of walking the indexes.
    if crate::db::Backend::of(db) == crate::db::Backend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(db, "ANALYZE").await?;
    }
    Ok(made)
}

/// What [`seed_supply`] generated.
#[derive(Debug, Clone, Copy)]
pub struct SupplyWorld {
    /// Open builds, one per generated package.
    pub builds: u32,
    /// BOM lines per package.
    pub lines: u32,
    /// Lots in stock.
    pub lots: u32,
    /// Open purchase-order lines.
    pub order_lines: u32,
}

/// Generates open builds for a clear-to-build load test: `builds` accepted packages of Acme for
/// Northwind, each with its own BOM of `lines` lines, and one PLANNED build of 500 units of
/// each, due a day apart. Two thirds of every BOM are chip resistors shared by all packages
/// (two placements each; the EMS holds one reel lot of each, enough for about half of the
/// builds); the rest are ICs of that package alone (one placement each), on order for every
/// other package with a promised date. Not idempotent: each call adds new products.
pub async fn seed_supply(
    db: &DatabaseConnection,
    builds: u32,
    lines: u32,
) -> ApiResult<SupplyWorld> {
    use crate::entities::{
        build, build_station, component_lot, purchase_order, purchase_order_line,
    };
    use chrono::{Days, Utc};
    use firstpass_shared::cad::bom::BomLine;
    use firstpass_shared::cad::{fixtures, validate};
    use sea_orm::{ActiveValue::Set, TransactionTrait};
    use uuid::Uuid;

    const UNITS: u32 = 500;
    let oem = service::organization_by_name(db, "Acme Gateways").await?;
    let ems = service::organization_by_name(db, "Northwind EMS").await?;
    let person = |email: &'static str| async move {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?
            .ok_or(ApiError::NotFound("user"))
    };
    let engineer = person("engineer@acme.example").await?;
    let pm = person("pm@northwind.example").await?;
    let template =
        validate::validate_package(&fixtures::inputs(&fixtures::board(fixtures::Style::KiCad)));
    let shared_lines = lines * 2 / 3;
    let line = |row: u32, designators: Vec<String>, mpn: String| BomLine {
        file: "bom.csv".to_owned(),
        row: row + 2,
        quantity: Some(designators.len() as u32),
        designators,
        mpn: Some(mpn),
        manufacturer: Some("Generated".to_owned()),
        description: None,
        value: None,
        package: None,
        dnp: false,
    };
    let now = Utc::now();
    let today = now.date_naive();
    let tag = Uuid::now_v7().simple().to_string()[..8].to_owned();
    let mut world = SupplyWorld {
        builds,
        lines,
        lots: 0,
        order_lines: 0,
    };
    let txn = db.begin().await?;
    // Stock of the shared resistors: enough for about half of the builds.
    let lots: Vec<component_lot::ActiveModel> = (0..shared_lines)
        .map(|i| component_lot::ActiveModel {
            id: Set(Uuid::now_v7()),
            ems_id: Set(ems.id),
            mpn: Set(format!("GEN-RC0402-{tag}-{i:03}")),
            manufacturer: Set("Generated".to_owned()),
            lot_code: Set(format!("LOT-{tag}-{i:03}")),
            date_code: Set("2446".to_owned()),
            reel_id: Set(format!("R-{tag}-{i:03}")),
            quantity: Set((builds / 2 * UNITS * 2) as i32),
            supplier: Set("Generated".to_owned()),
            received_at: Set(now),
        })
        .collect();
    world.lots = lots.len() as u32;
    for chunk in lots.chunks(500) {
        component_lot::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for p in 0..builds {
        let bom: Vec<BomLine> = (0..lines)
            .map(|i| {
                if i < shared_lines {
                    line(
                        i,
                        vec![format!("R{}", 2 * i + 1), format!("R{}", 2 * i + 2)],
                        format!("GEN-RC0402-{tag}-{i:03}"),
                    )
                } else {
                    line(
                        i,
                        vec![format!("U{}", i + 1)],
                        format!("GEN-IC-{tag}-{p:03}-{i:03}"),
                    )
                }
            })
            .collect();
        let mut analysis = template.clone();
        analysis.bom_lines = bom;
        let (product, package) = accepted_revision(
            &txn,
            Generated {
                oem_id: oem.id,
                ems_id: ems.id,
                engineer_id: engineer.id,
                part_number: format!("GW-SUPPLY-{tag}-{p:03}"),
                name: format!("Generated gateway {p}"),
                quantity: UNITS,
            },
            &analysis,
        )
        .await?;
        let row = build::ActiveModel {
            id: Set(Uuid::now_v7()),
            package_id: Set(package.id),
            product_id: Set(product.id),
            oem_id: Set(oem.id),
            ems_id: Set(ems.id),
            phase: Set(BuildPhase::Pilot.into()),
            quantity: Set(UNITS as i32),
            due_date: Set(today + Days::new(30 + u64::from(p))),
            status: Set(BuildStatus::Planned.into()),
            created_by: Set(pm.id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        build_station::ActiveModel {
            id: Set(Uuid::now_v7()),
            build_id: Set(row.id),
            position: Set(0),
            kind: Set(StationKind::SmtTop.into()),
            name: Set("SMT".to_owned()),
        }
        .insert(&txn)
        .await?;
        if p % 2 == 0 {
            let order = purchase_order::ActiveModel {
                id: Set(Uuid::now_v7()),
                ems_id: Set(ems.id),
                po_number: Set(format!("PO-{tag}-{p:03}")),
                supplier: Set("Generated Distribution".to_owned()),
                build_id: Set(Some(row.id)),
                created_by: Set(pm.id),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            let order_lines: Vec<purchase_order_line::ActiveModel> = (shared_lines..lines)
                .enumerate()
                .map(|(n, i)| purchase_order_line::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    purchase_order_id: Set(order.id),
                    ems_id: Set(ems.id),
                    line_no: Set(n as i32 + 1),
                    mpn: Set(format!("GEN-IC-{tag}-{p:03}-{i:03}")),
                    manufacturer: Set("Generated".to_owned()),
                    quantity: Set(UNITS as i32),
                    promised_date: Set(today + Days::new(20 + u64::from(i % 40))),
                    received_quantity: Set(0),
                    updated_at: Set(now),
                })
                .collect();
            world.order_lines += order_lines.len() as u32;
            for chunk in order_lines.chunks(500) {
                purchase_order_line::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
    }
    txn.commit().await?;
    if crate::db::Backend::of(db) == crate::db::Backend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(db, "ANALYZE").await?;
    }
    Ok(world)
}
