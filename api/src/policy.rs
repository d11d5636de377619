//! The one authorization policy: may this actor do this action?
//!
//! Every role and scope rule of the API is a row of [`Action::rule`]; services ask
//! [`authorize`] before they act, the same for GraphQL over HTTP, WebSocket operations and the
//! plain HTTP routes (whose actor comes from [`crate::http::Reader`]). *Which* records an actor
//! may act on is the other half of the policy and lives in [`crate::tenancy`]: a record outside
//! the actor's view answers `NOT_FOUND` before any action is considered.

use crate::error::{ApiError, ApiResult};
use crate::tenancy::Actor;
use crate::webhooks::model::WebhookEvent;
use firstpass_shared::domain::{Capability, OrgKind, Role, Scope};

/// Everything the API lets someone do that not every signed-in caller may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create, deactivate and change users of one's organization.
    ManageUsers,
    /// Create and revoke API tokens of one's organization.
    ManageApiTokens,
    /// Read one's organization's audit trail.
    ReadAudit,
    /// Author products and NPI packages: create, upload, submit, revise, comment as the OEM.
    AuthorPackages,
    /// Review a submitted package: start review, accept, request changes.
    ReviewPackages,
    /// Plan builds: create them and give their units serials.
    PlanBuilds,
    /// Work on the floor: station results, defects, lots and their usage, shipping.
    RecordProduction,
    /// Write first-article inspection reports: create, fill, attach evidence, submit.
    WriteFai,
    /// Register, change and remove webhook endpoints; see and replay their deliveries.
    ManageWebhooks,
    /// Read and mark one's own inbox (a person's, so no API token).
    ReadInbox,
    /// Open recall campaigns and record the recovery of their units (either side).
    RunRecalls,
    /// Supply of the EMS: purchase orders and their receipts, attrition rates, who supplies a
    /// build's parts, alternate parts proposed to the OEM (planners, and an ERP's WRITE token).
    ManageSupply,
    /// Approve or reject the alternate parts an EMS proposes for one's own packages.
    ApproveAlternates,
    /// Sign the certificate of conformance of a shipment (EMS quality, in person).
    SignCertificates,
    /// Open NCRs, give their items dispositions and close them (EMS quality, program managers
    /// and admins, in person).
    ManageQuality,
    /// Approve or reject, with a signature, dispositions of one's own product that need the
    /// customer (material review).
    ReviewMaterial,
    /// Ask one's EMS for a corrective action on one's own product (OEM admins and engineers).
    RaiseCorrectiveActions,
}

/// Who may do an action: roles of which kind of organization, and whether an API token of
/// that kind of organization may (with the WRITE scope).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The kind of organization whose members may act.
    pub org_kind: Option<OrgKind>,
    /// The roles that may act.
    pub roles: &'static [Role],
    /// Whether a WRITE API token of such an organization may act.
    pub tokens: bool,
}

impl Action {
    /// The rule for this action.
    pub fn rule(self) -> Rule {
        const ADMINS: &[Role] = &[Role::OemAdmin, Role::EmsAdmin];
        const OEM_AUTHORS: &[Role] = &[Role::OemAdmin, Role::OemEngineer];
        const PLANNERS: &[Role] = &[Role::EmsProgramManager, Role::EmsAdmin];
        const FLOOR: &[Role] = &[
            Role::EmsOperator,
            Role::EmsQuality,
            Role::EmsProgramManager,
            Role::EmsAdmin,
        ];
        match self {
            Action::ManageUsers
            | Action::ManageApiTokens
            | Action::ReadAudit
            | Action::ManageWebhooks => Rule {
                org_kind: None,
                roles: ADMINS,
                tokens: false,
            },
            Action::AuthorPackages => Rule {
                org_kind: Some(OrgKind::Oem),
                roles: OEM_AUTHORS,
                tokens: false,
            },
            Action::ReviewPackages => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: &[Role::EmsProgramManager],
                tokens: false,
            },
            Action::PlanBuilds => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: PLANNERS,
                tokens: false,
            },
            Action::RecordProduction => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: FLOOR,
                tokens: true,
            },
            Action::WriteFai => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: &[Role::EmsQuality],
                tokens: false,
            },
            Action::ReadInbox => Rule {
                org_kind: None,
                roles: Role::ALL,
                tokens: false,
            },
            Action::ManageSupply => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: PLANNERS,
                tokens: true,
            },
            Action::ApproveAlternates => Rule {
                org_kind: Some(OrgKind::Oem),
                roles: OEM_AUTHORS,
                tokens: false,
            },
            Action::SignCertificates => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: &[Role::EmsQuality],
                tokens: false,
            },
            Action::ManageQuality => Rule {
                org_kind: Some(OrgKind::Ems),
                roles: &[Role::EmsQuality, Role::EmsProgramManager, Role::EmsAdmin],
                tokens: false,
            },
            Action::ReviewMaterial | Action::RaiseCorrectiveActions => Rule {
                org_kind: Some(OrgKind::Oem),
                roles: OEM_AUTHORS,
                tokens: false,
            },
            Action::RunRecalls => Rule {
                org_kind: None,
                roles: &[
                    Role::OemAdmin,
                    Role::OemEngineer,
                    Role::EmsAdmin,
                    Role::EmsProgramManager,
                    Role::EmsQuality,
                ],
                tokens: true,
            },
        }
    }

    /// The capability an API token needs WRITE on to take the action (when tokens may).
    pub fn capability(self) -> Option<Capability> {
        match self {
            Action::ManageUsers
            | Action::ManageApiTokens
            | Action::ReadAudit
            | Action::ManageWebhooks
            | Action::ReadInbox => None,
            Action::AuthorPackages | Action::ReviewPackages => Some(Capability::Packages),
            Action::PlanBuilds | Action::RecordProduction | Action::RunRecalls => {
                Some(Capability::Production)
            }
            Action::WriteFai => Some(Capability::Fai),
            Action::ManageSupply | Action::ApproveAlternates => Some(Capability::Supply),
            Action::SignCertificates => Some(Capability::Shipping),
            Action::ManageQuality | Action::ReviewMaterial | Action::RaiseCorrectiveActions => {
                Some(Capability::Quality)
            }
        }
    }

    /// What the action is called in a refusal.
    fn describe(self) -> &'static str {
        match self {
            Action::ManageUsers => "manage users",
            Action::ManageApiTokens => "manage API tokens",
            Action::ReadAudit => "read the audit trail",
            Action::AuthorPackages => "author products and packages",
            Action::ReviewPackages => "review packages",
            Action::PlanBuilds => "plan builds",
            Action::RecordProduction => "record production",
            Action::WriteFai => "write first-article reports",
            Action::ManageWebhooks => "manage webhooks",
            Action::ReadInbox => "have an inbox",
            Action::RunRecalls => "run recall campaigns",
            Action::ManageSupply => "manage purchase orders and material supply",
            Action::ApproveAlternates => "approve alternate parts",
            Action::SignCertificates => "sign certificates of conformance",
            Action::ManageQuality => "open and disposition nonconformance reports",
            Action::ReviewMaterial => "review dispositions of the customer's material",
            Action::RaiseCorrectiveActions => "ask the EMS for corrective actions",
        }
    }
}

/// Refuses with `FORBIDDEN` (naming what is missing) unless `actor` may do `action`.
pub fn authorize(actor: &Actor, action: Action) -> ApiResult<()> {
    let rule = action.rule();
    if rule.org_kind.is_some_and(|kind| kind != actor.org_kind) {
        let who = match rule.org_kind {
            Some(OrgKind::Oem) => "the OEM",
            _ => "the EMS",
        };
        return Err(ApiError::forbidden(format!(
            "only {who} may {}",
            action.describe()
        )));
    }
    match actor.role() {
        Some(role) if rule.roles.contains(&role) => Ok(()),
        Some(role) => Err(ApiError::forbidden(format!(
            "the {role} role may not {}",
            action.describe()
        ))),
        None if rule.tokens => match action.capability() {
            Some(capability) => require_capability(actor, capability, Scope::Write),
            None => actor.require_scope(Scope::Write),
        },
        None => Err(ApiError::forbidden(format!(
            "API tokens may not {}; sign in as a user",
            action.describe()
        ))),
    }
}

/// The capability a GraphQL object type belongs to, for API tokens limited to capabilities
/// (see [`crate::api_tokens::selection`]); `None` for what every reader may see (the caller's
/// organization, people, inbox, paging).
pub fn capability_of_type(name: &str) -> Option<Capability> {
    Some(match name {
        "Product"
        | "ProductConnection"
        | "NpiPackage"
        | "NpiPackageConnection"
        | "PackageFile"
        | "PackageComment"
        | "Finding"
        | "Review"
        | "Submission"
        | "RevisionComparison"
        | "BomLine"
        | "Board"
        | "Layer"
        | "Placement"
        | "RevisionEffectivity" => Capability::Packages,
        "Build"
        | "BuildConnection"
        | "BuildMetrics"
        | "Unit"
        | "StationEvent"
        | "StationProgress"
        | "RecordedResult"
        | "RecordedDefect"
        | "Defect"
        | "ComponentLot"
        | "GenealogyEntry"
        | "Trace"
        | "RecallCampaign"
        | "RecallImpact"
        | "UnitInstallation"
        | "UnitIdentity"
        | "CfxEndpoint"
        | "CfxMessage"
        | "TestStepStatistics"
        | "OrganizationMetrics" => Capability::Production,
        "FaiReport"
        | "FaiReportConnection"
        | "FaiVerification"
        | "FaiCharacteristic"
        | "FaiEvidence" => Capability::Fai,
        "Ncr" | "NcrItem" | "Capa" | "CapaDiscipline" | "QualityMetrics" | "QualityNote"
        | "EffectivenessCheck" => Capability::Quality,
        "PurchaseOrder"
        | "PurchaseOrderLine"
        | "PurchaseOrderReceipt"
        | "MaterialStatus"
        | "PartDemand"
        | "AlternatePart"
        | "AttritionRate" => Capability::Supply,
        "Shipment"
        | "ShipmentDetail"
        | "ShipmentInfo"
        | "CertificateOfConformance"
        | "DeliveryPerformance"
        | "ShipToAddress" => Capability::Shipping,
        _ => return None,
    })
}

/// Requires `scope` on `capability`: a person passes (the role decides), an API token needs the
/// scope and, when it is limited to capabilities, a grant of it there (WRITE covers READ).
pub fn require_capability(actor: &Actor, capability: Capability, scope: Scope) -> ApiResult<()> {
    actor.require_scope(scope)?;
    let Some(limits) = actor.token_limits() else {
        return Ok(());
    };
    if limits.grants.is_empty() {
        return Ok(());
    }
    match limits.grants.get(&capability) {
        Some(granted) if *granted == scope || *granted == Scope::Write => Ok(()),
        _ => Err(ApiError::forbidden(format!(
            "this API token is not granted {scope} on {capability}"
        ))),
    }
}

/// Whether `actor` may register or manage webhook endpoints for `events`: an admin may; an API
/// token may for the events it was given, and no others.
pub fn authorize_webhooks(actor: &Actor, events: &[WebhookEvent]) -> ApiResult<()> {
    let Some(limits) = actor.token_limits() else {
        return authorize(actor, Action::ManageWebhooks);
    };
    if limits.events.is_empty() {
        return Err(ApiError::forbidden(
            "this API token is given no webhook events; an admin gives them when creating it",
        ));
    }
    match events.iter().find(|e| !limits.events.contains(e)) {
        Some(event) => Err(ApiError::forbidden(format!(
            "this API token is not given the {} event",
            event.as_str()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenancy::Principal;
    use uuid::Uuid;

    fn user(org_kind: OrgKind, role: Role) -> Actor {
        Actor {
            org_id: Uuid::nil(),
            org_kind,
            principal: Principal::User {
                id: Uuid::nil(),
                email: "someone@example.com".into(),
                role,
            },
        }
    }

    fn token(org_kind: OrgKind, scopes: Vec<Scope>) -> Actor {
        Actor {
            org_id: Uuid::nil(),
            org_kind,
            principal: Principal::ApiToken {
                id: Uuid::nil(),
                name: "mes".into(),
                scopes,
                limits: Default::default(),
            },
        }
    }

    #[test]
    fn the_floor_takes_ems_users_and_write_tokens_only() {
        let ems = OrgKind::Ems;
        assert!(authorize(&user(ems, Role::EmsOperator), Action::RecordProduction).is_ok());
        assert!(authorize(&token(ems, vec![Scope::Write]), Action::RecordProduction).is_ok());
        assert!(authorize(&token(ems, vec![Scope::Read]), Action::RecordProduction).is_err());
        assert!(authorize(
            &user(OrgKind::Oem, Role::OemAdmin),
            Action::RecordProduction
        )
        .is_err());
        assert!(authorize(&user(ems, Role::EmsOperator), Action::PlanBuilds).is_err());
        assert!(authorize(&token(ems, vec![Scope::Write]), Action::PlanBuilds).is_err());
    }

    #[test]
    fn administration_is_for_admins_of_either_kind() {
        for action in [
            Action::ManageUsers,
            Action::ManageApiTokens,
            Action::ReadAudit,
        ] {
            assert!(authorize(&user(OrgKind::Oem, Role::OemAdmin), action).is_ok());
            assert!(authorize(&user(OrgKind::Ems, Role::EmsAdmin), action).is_ok());
            assert!(authorize(&user(OrgKind::Oem, Role::OemEngineer), action).is_err());
        }
    }
}
