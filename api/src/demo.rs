//! `firstpass demo-data`: a small, idempotent world to try Firstpass in.

use crate::accounts::service::{self, NewUser};
use crate::audit::AuditMeta;
use crate::entities::{partnership, user};
use crate::error::{ApiError, ApiResult};
use firstpass_shared::domain::{OrgKind, Role};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

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
                service::create_organization(db, demo.name, demo.kind).await?
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
                    full_name: (*full_name).to_owned(),
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
