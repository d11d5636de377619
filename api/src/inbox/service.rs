//! What waits for whom, derived from the records through the actor's tenancy, and the
//! per-user read marks.

use super::entity as inbox_read;
use super::model::{Inbox, InboxEntry, InboxKind};
use crate::entities::{
    build, capa, capa_discipline, fai_report, ncr, npi_package, package_comment, product,
    submission, unit, user,
};
use crate::error::{ApiError, ApiResult};
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use async_graphql::ID;
use chrono::{DateTime, Utc};
use firstpass_shared::domain::{BuildStatus, OrgKind, PackageStatus, Role, UnitStatus};
use firstpass_shared::fai::FaiStatus;
use firstpass_shared::quality::{CapaStatus, Discipline, NcrStatus};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// At most this many entries of one kind are derived (the newest).
const PER_KIND: u64 = 50;
/// Questions and acceptances older than this have left the inbox.
const RECENT_DAYS: i64 = 30;

/// The person acting, or FORBIDDEN for an API token.
fn reader(actor: &Actor) -> ApiResult<(Uuid, Role)> {
    authorize(actor, Action::ReadInbox)?;
    match (actor.user_id(), actor.role()) {
        (Some(id), Some(role)) => Ok((id, role)),
        _ => Err(ApiError::forbidden("the inbox belongs to a person")),
    }
}

/// Part number and name of products, by id.
async fn products(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<BTreeMap<Uuid, product::Model>> {
    let ids: BTreeSet<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

fn part(products: &BTreeMap<Uuid, product::Model>, id: Uuid) -> String {
    products.get(&id).map_or_else(
        || "a product".to_owned(),
        |p| format!("{} {}", p.part_number, p.name),
    )
}

fn entry(
    key: String,
    kind: InboxKind,
    title: String,
    detail: String,
    link: String,
    at: DateTime<Utc>,
) -> InboxEntry {
    InboxEntry {
        id: ID(key),
        kind,
        title,
        detail,
        link,
        at,
        read: false,
    }
}

/// Every entry of the actor's inbox now, newest first, with its read mark.
pub async fn entries(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<Vec<InboxEntry>> {
    let (user_id, role) = reader(actor)?;
    let now = Utc::now();
    let recent = now - chrono::Duration::days(RECENT_DAYS);
    let planner = matches!(role, Role::EmsProgramManager | Role::EmsAdmin);
    let oem_author = matches!(role, Role::OemEngineer | Role::OemAdmin);
    let mut out = Vec::new();

    // Packages: to review (EMS planners), accepted (the OEM), questions (both sides).
    let packages = actor
        .select::<npi_package::Entity>()
        .order_by_desc(npi_package::Column::UpdatedAt)
        .limit(500)
        .all(db)
        .await?;
    let names = products(db, packages.iter().map(|p| p.product_id)).await?;
    let package_title =
        |p: &npi_package::Model| format!("{} rev {}", part(&names, p.product_id), p.revision);
    if actor.org_kind == OrgKind::Ems && planner {
        let waiting: Vec<&npi_package::Model> = packages
            .iter()
            .filter(|p| {
                p.status == PackageStatus::Submitted.as_str()
                    || p.status == PackageStatus::InReview.as_str()
            })
            .take(PER_KIND as usize)
            .collect();
        let latest: BTreeMap<Uuid, (i32, DateTime<Utc>)> = submission::Entity::find()
            .filter(submission::Column::PackageId.is_in(waiting.iter().map(|p| p.id)))
            .all(db)
            .await?
            .into_iter()
            .fold(BTreeMap::new(), |mut m, s| {
                let e = m.entry(s.package_id).or_insert((s.number, s.submitted_at));
                if s.number > e.0 {
                    *e = (s.number, s.submitted_at);
                }
                m
            });
        for p in waiting {
            let (number, at) = latest.get(&p.id).copied().unwrap_or((1, p.updated_at));
            out.push(entry(
                format!("review:{}:{number}", p.id),
                InboxKind::PackageToReview,
                format!("Review {}", package_title(p)),
                format!("Submission {number} waits for review."),
                format!("/packages/{}", p.id),
                at,
            ));
        }
    }
    if actor.org_kind == OrgKind::Oem {
        for p in packages
            .iter()
            .filter(|p| p.status == PackageStatus::Accepted.as_str() && p.updated_at >= recent)
            .take(PER_KIND as usize)
        {
            out.push(entry(
                format!("accepted:{}", p.id),
                InboxKind::PackageAccepted,
                format!("{} was accepted", package_title(p)),
                "The EMS accepted the package; builds can be planned.".to_owned(),
                format!("/packages/{}", p.id),
                p.updated_at,
            ));
        }
    }
    if actor.org_kind == OrgKind::Oem || planner {
        let by_id: BTreeMap<Uuid, &npi_package::Model> =
            packages.iter().map(|p| (p.id, p)).collect();
        let partners = Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(user::Column::OrganizationId.ne(actor.org_id))
            .to_owned();
        let comments = package_comment::Entity::find()
            .filter(package_comment::Column::PackageId.is_in(by_id.keys().copied()))
            .filter(package_comment::Column::AuthorId.in_subquery(partners))
            .filter(package_comment::Column::CreatedAt.gte(recent))
            .order_by_desc(package_comment::Column::CreatedAt)
            .limit(PER_KIND)
            .all(db)
            .await?;
        let authors: BTreeMap<Uuid, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(comments.iter().map(|c| c.author_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.full_name))
            .collect();
        for c in comments {
            let Some(p) = by_id.get(&c.package_id) else {
                continue;
            };
            let mut excerpt: String = c.body.chars().take(140).collect();
            if c.body.chars().count() > 140 {
                excerpt.push('…');
            }
            let who = authors
                .get(&c.author_id)
                .cloned()
                .unwrap_or_else(|| "The partner".to_owned());
            out.push(entry(
                format!("comment:{}", c.id),
                InboxKind::Question,
                format!("{who} on {}", package_title(p)),
                excerpt,
                format!("/packages/{}", p.id),
                c.created_at,
            ));
        }
    }

    // FAIs waiting for this reader's signature.
    let waiting_status = match actor.org_kind {
        OrgKind::Ems if role == Role::EmsProgramManager => Some(FaiStatus::Submitted),
        OrgKind::Oem if oem_author => Some(FaiStatus::EmsApproved),
        _ => None,
    };
    if let Some(status) = waiting_status {
        let reports = actor
            .select::<fai_report::Entity>()
            .filter(fai_report::Column::Status.eq(status.as_str()))
            .order_by_desc(fai_report::Column::UpdatedAt)
            .limit(PER_KIND)
            .all(db)
            .await?;
        let builds: BTreeMap<Uuid, build::Model> = build::Entity::find()
            .filter(build::Column::Id.is_in(reports.iter().map(|r| r.build_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        let names = products(db, builds.values().map(|b| b.product_id)).await?;
        for r in reports {
            let what = builds
                .get(&r.build_id)
                .map_or_else(|| "a build".to_owned(), |b| part(&names, b.product_id));
            out.push(entry(
                format!("fai:{}:{}", r.id, r.status),
                InboxKind::FaiToSign,
                format!("Sign the first-article report of {what}"),
                if status == FaiStatus::Submitted {
                    "EMS quality submitted it; the program manager signs first.".to_owned()
                } else {
                    "The EMS signed it; the customer's signature releases production.".to_owned()
                },
                format!("/fai/{}", r.id),
                r.updated_at,
            ));
        }
    }

    // Units on hold, and builds late: the EMS's floor leads; late builds for the OEM too.
    let floor_lead = actor.org_kind == OrgKind::Ems && (planner || role == Role::EmsQuality);
    if floor_lead || actor.org_kind == OrgKind::Oem {
        let builds = actor
            .select::<build::Entity>()
            .filter(build::Column::Status.is_not_in([
                BuildStatus::Completed.as_str(),
                BuildStatus::Shipped.as_str(),
            ]))
            .order_by_asc(build::Column::DueDate)
            .limit(500)
            .all(db)
            .await?;
        let names = products(db, builds.iter().map(|b| b.product_id)).await?;
        let today = now.date_naive();
        if floor_lead {
            let held = actor
                .select::<unit::Entity>()
                .filter(unit::Column::Status.eq(UnitStatus::OnHold.as_str()))
                .order_by_desc(unit::Column::Id)
                .limit(PER_KIND)
                .all(db)
                .await?;
            for u in held {
                let what = builds
                    .iter()
                    .find(|b| b.id == u.build_id)
                    .map_or_else(String::new, |b| {
                        format!(" of {}", part(&names, b.product_id))
                    });
                out.push(entry(
                    format!("hold:{}", u.id),
                    InboxKind::UnitOnHold,
                    format!("Unit {} is on hold", u.serial),
                    format!(
                        "A failed result holds unit {}{what}: give it a disposition.",
                        u.serial
                    ),
                    "/holds".to_owned(),
                    u.created_at,
                ));
            }
        }
        if planner || actor.org_kind == OrgKind::Oem {
            // Material that will not be there by the due date: the clear-to-build picture of
            // each EMS whose open builds the reader sees, cut down to those builds.
            let open: BTreeMap<Uuid, &build::Model> = builds
                .iter()
                .filter(|b| {
                    b.status == BuildStatus::Planned.as_str()
                        || b.status == BuildStatus::InProgress.as_str()
                })
                .map(|b| (b.id, b))
                .collect();
            let suppliers: BTreeSet<Uuid> = open.values().map(|b| b.ems_id).collect();
            for ems in suppliers {
                let picture = crate::supply::service::picture(db, ems).await?;
                for late in picture.late() {
                    let Some(b) = open.get(&late.build_id) else {
                        continue;
                    };
                    let clear = late.clear_date.map_or_else(
                        || "not in sight (no stock or order covers it)".to_owned(),
                        |d| d.to_string(),
                    );
                    let mut gating = late.gating.iter().take(3).cloned().collect::<Vec<_>>();
                    if late.gating.len() > 3 {
                        gating.push(format!("{} more", late.gating.len() - 3));
                    }
                    out.push(entry(
                        format!(
                            "material:{}:{}",
                            b.id,
                            late.clear_date
                                .map_or_else(|| "none".to_owned(), |d| d.to_string())
                        ),
                        InboxKind::MaterialLate,
                        format!(
                            "Material for build of {} is late",
                            part(&names, b.product_id)
                        ),
                        format!(
                            "Due {}; its parts are clear {clear}. Waiting on {}.",
                            b.due_date,
                            gating.join(", ")
                        ),
                        format!("/builds/{}/materials", b.id),
                        b.updated_at,
                    ));
                }
            }
            for b in builds
                .iter()
                .filter(|b| b.due_date < today)
                .take(PER_KIND as usize)
            {
                let days = (today - b.due_date).num_days();
                let due = b.due_date.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc());
                out.push(entry(
                    format!("late:{}:{}", b.id, b.due_date),
                    InboxKind::BuildLate,
                    format!("Build of {} is late", part(&names, b.product_id)),
                    format!(
                        "Due {} ({}) with {} planned.",
                        b.due_date,
                        firstpass_shared::words::count(days, "day ago", "days ago"),
                        firstpass_shared::words::count(i64::from(b.quantity), "unit", "units")
                    ),
                    format!("/builds/{}", b.id),
                    due,
                ));
            }
        }
    }

    // Quality: NCR dispositions waiting for the customer's signed review (the OEM's people),
    // and signed steps of open corrective actions past their due date (EMS quality leads).
    if oem_author {
        let waiting = actor
            .select::<ncr::Entity>()
            .filter(ncr::Column::Status.eq(NcrStatus::InReview.as_str()))
            .order_by_desc(ncr::Column::UpdatedAt)
            .limit(PER_KIND)
            .all(db)
            .await?;
        for n in waiting {
            out.push(entry(
                format!("ncr-review:{}:{}", n.id, n.updated_at.timestamp()),
                InboxKind::NcrToReview,
                format!("{} waits for your review", n.number),
                format!(
                    "{}: dispositions of your product need your signed approval.",
                    n.title
                ),
                format!("/ncrs/{}", n.id),
                n.updated_at,
            ));
        }
    }
    if actor.org_kind == OrgKind::Ems && (planner || role == Role::EmsQuality) {
        let open: BTreeMap<Uuid, capa::Model> = actor
            .select::<capa::Entity>()
            .filter(capa::Column::Status.eq(CapaStatus::Open.as_str()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let late = capa_discipline::Entity::find()
            .filter(capa_discipline::Column::CapaId.is_in(open.keys().copied()))
            .filter(capa_discipline::Column::DueDate.lt(now.date_naive()))
            .all(db)
            .await?;
        let signed = crate::quality::capa::signatures(db, late.iter().map(|d| d.id)).await?;
        for d in late.iter().take(PER_KIND as usize) {
            let needs = d
                .discipline
                .parse::<Discipline>()
                .is_ok_and(Discipline::is_signed);
            let (Some(c), true) = (open.get(&d.capa_id), needs && !signed.contains_key(&d.id))
            else {
                continue;
            };
            let due = d.due_date.unwrap_or_default();
            out.push(entry(
                format!("capa-late:{}:{}", d.id, due),
                InboxKind::CapaStepOverdue,
                format!("{} {} is overdue", c.number, d.discipline),
                format!("{}: due {due}, owner {}, not signed yet.", c.title, d.owner),
                format!("/capas/{}", c.id),
                due.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc()),
            ));
        }
    }

    // Read marks.
    let keys: Vec<String> = out.iter().map(|e| e.id.to_string()).collect();
    let read: BTreeSet<String> = if keys.is_empty() {
        BTreeSet::new()
    } else {
        inbox_read::Entity::find()
            .filter(inbox_read::Column::UserId.eq(user_id))
            .filter(inbox_read::Column::EntryKey.is_in(keys))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.entry_key)
            .collect()
    };
    for e in &mut out {
        e.read = read.contains(e.id.as_str());
    }
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| a.id.as_str().cmp(b.id.as_str()))
    });
    Ok(out)
}

/// The actor's inbox: its unread count and up to `first` entries (unread ones only when
/// `unread_only`).
pub async fn inbox(
    db: &impl ConnectionTrait,
    actor: &Actor,
    unread_only: bool,
    first: usize,
) -> ApiResult<Inbox> {
    let all = entries(db, actor).await?;
    let unread = all.iter().filter(|e| !e.read).count() as i32;
    Ok(Inbox {
        unread,
        entries: all
            .into_iter()
            .filter(|e| !unread_only || !e.read)
            .take(first)
            .collect(),
    })
}

/// Marks entries of the actor's inbox read: the given ones, or every one when `all`. An id
/// that is not in the actor's inbox answers NOT_FOUND (another person's entry included).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[ID],
    all: bool,
) -> ApiResult<()> {
    let (user_id, _) = reader(actor)?;
    if ids.len() > 500 {
        return Err(ApiError::bad_input("mark at most 500 entries at once"));
    }
    let current = entries(db, actor).await?;
    let present: BTreeSet<&str> = current.iter().map(|e| e.id.as_str()).collect();
    let keys: Vec<String> = if all {
        current
            .iter()
            .filter(|e| !e.read)
            .map(|e| e.id.to_string())
            .collect()
    } else {
        if ids.iter().any(|id| !present.contains(id.as_str())) {
            return Err(ApiError::NotFound("inbox entry"));
        }
        ids.iter().map(|id| id.to_string()).collect()
    };
    if keys.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = keys.into_iter().map(|key| inbox_read::ActiveModel {
        user_id: Set(user_id),
        entry_key: Set(key),
        read_at: Set(now),
    });
    inbox_read::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([inbox_read::Column::UserId, inbox_read::Column::EntryKey])
        .exec(db)
        .await?;
    super::nudge();
    Ok(())
}
