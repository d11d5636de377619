//! Package rules: who may create, change, submit and review what, and in which state.
//!
//! Every change runs in one transaction with its audit event. An illegal transition answers
//! `CONFLICT` naming the current state and the one asked for.

use crate::audit::{self, AuditMeta, Change};
use crate::context::AppState;
use crate::db::begin_write;
use crate::entities::{
    npi_package, organization, package_comment, package_file, partnership, product, review,
    submission,
};
use crate::error::{conflict_on_duplicate, ApiError, ApiResult};
use crate::packages::analysis;
use crate::packages::model::{layer_function_text, status_of};
use crate::packages::upload::{self, Incoming};
use crate::policy::{authorize, Action};
use crate::tenancy::Actor;
use chrono::Utc;
use firstpass_shared::cad::LayerFunction;
use firstpass_shared::domain::{IpcClass, OrgKind, PackageStatus, ReviewDecision};
use firstpass_shared::text::DisplayName;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn text(what: &str, value: &str, max: usize, required: bool) -> ApiResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ApiError::bad_input(format!("{what} is required")));
    }
    if value.chars().count() > max {
        return Err(ApiError::bad_input(format!(
            "{what} must have at most {max} characters"
        )));
    }
    Ok(value.to_owned())
}

/// Creates a product of the caller's OEM.
pub async fn create_product(
    db: &DatabaseConnection,
    actor: &Actor,
    part_number: &str,
    name: &DisplayName,
    description: &str,
    tier: firstpass_shared::boxbuild::ProductTier,
    meta: &AuditMeta,
) -> ApiResult<product::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let part_number = text("the part number", part_number, 100, true)?;
    let name = name.to_string();
    let description = text("the description", description, 4000, false)?;
    let txn = begin_write(db).await?;
    let row = product::ActiveModel {
        id: Set(Uuid::now_v7()),
        oem_id: Set(actor.org_id),
        part_number: Set(part_number.clone()),
        name: Set(name),
        description: Set(description),
        created_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        created_at: Set(Utc::now()),
        tier: Set(tier.into()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            format!("a product with part number {part_number} already exists"),
        )
    })?;
    audit::record(
        &txn,
        meta,
        Change::new("product.create", "Product", row.id)
            .after(&json!({"partNumber": row.part_number, "name": row.name, "description": row.description, "tier": row.tier})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Validates a revision label: letters, digits, `.` and `-`, 1 to 16 characters.
pub fn clean_revision(revision: &str) -> ApiResult<String> {
    let revision = revision.trim().to_uppercase();
    let ok = !revision.is_empty()
        && revision.len() <= 16
        && revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(revision)
    } else {
        Err(ApiError::bad_input(
            "the revision must be 1 to 16 letters, digits, `.` or `-` (e.g. A, B, 02)",
        ))
    }
}

/// What a new package is made of.
#[derive(Debug, Clone)]
pub struct NewPackage {
    /// The product.
    pub product_id: Uuid,
    /// Revision label.
    pub revision: String,
    /// The EMS partner.
    pub ems_id: Uuid,
    /// IPC class.
    pub ipc_class: IpcClass,
    /// Target quantities.
    pub quantities: Vec<i32>,
    /// Notes.
    pub notes: String,
}

fn quantities_text(quantities: &[i32]) -> ApiResult<String> {
    if quantities.len() > 20 {
        return Err(ApiError::bad_input("give at most 20 quantities"));
    }
    if let Some(q) = quantities.iter().find(|q| **q < 1) {
        return Err(ApiError::bad_input(format!(
            "quantities must be at least 1, not {q}"
        )));
    }
    Ok(quantities
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

async fn require_partner(
    db: &impl ConnectionTrait,
    oem_id: Uuid,
    ems_id: Uuid,
) -> ApiResult<organization::Model> {
    let linked = partnership::Entity::find()
        .filter(partnership::Column::OemId.eq(oem_id))
        .filter(partnership::Column::EmsId.eq(ems_id))
        .one(db)
        .await?
        .is_some();
    if !linked {
        // Not a partner: it does not exist as far as this OEM is concerned.
        return Err(ApiError::NotFound("EMS organization"));
    }
    organization::Entity::find_by_id(ems_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("EMS organization"))
}

/// Creates a DRAFT package for a product of the caller's OEM, addressed to one of its EMS partners.
pub async fn create_package(
    state: &AppState,
    actor: &Actor,
    new: NewPackage,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let revision = clean_revision(&new.revision)?;
    let quantities = quantities_text(&new.quantities)?;
    let notes = text("the notes", &new.notes, 10_000, false)?;
    let txn = begin_write(&state.db).await?;
    let product = actor.load::<product::Entity>(&txn, new.product_id).await?;
    require_partner(&txn, actor.org_id, new.ems_id).await?;
    let now = Utc::now();
    let row = npi_package::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(product.id),
        oem_id: Set(actor.org_id),
        ems_id: Set(new.ems_id),
        revision: Set(revision.clone()),
        ipc_class: Set(new.ipc_class.into()),
        quantities: Set(quantities),
        notes: Set(notes),
        status: Set(PackageStatus::Draft.into()),
        content_hash: Set(None),
        first_submitted_at: Set(None),
        previous_package_id: Set(None),
        created_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        conflict_on_duplicate(
            e,
            format!("{} already has a revision {revision}", product.part_number),
        )
    })?;
    analysis::store_empty(&txn, row.id).await?;
    audit::record(
        &txn,
        meta,
        Change::new("package.create", "NpiPackage", row.id).after(&snapshot(&row)),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

fn snapshot(row: &npi_package::Model) -> serde_json::Value {
    json!({
        "revision": row.revision, "status": row.status, "ipcClass": row.ipc_class,
        "quantities": row.quantities, "notes": row.notes, "contentHash": row.content_hash,
    })
}

fn conflict(current: PackageStatus, wanted: PackageStatus) -> ApiError {
    ApiError::conflict(format!(
        "the package is {current}; it cannot become {wanted} from there"
    ))
}

/// Loads a package the OEM caller may edit: its own, in an editable state.
async fn editable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    package_id: Uuid,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let package = actor.load::<npi_package::Entity>(db, package_id).await?;
    let status = status_of(&package);
    if !status.is_editable() {
        return Err(ApiError::conflict(format!(
            "the package is {status}: its files are frozen (only DRAFT or CHANGES_REQUESTED packages change)"
        )));
    }
    Ok(package)
}

/// Takes uploaded files into a package (zips unpacked), replacing files of the same name, and
/// recomputes the findings.
pub async fn upload_files(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    incoming: Vec<Incoming>,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let package = editable(&state.db, actor, package_id).await?;
    if incoming.is_empty() {
        return Err(ApiError::bad_input("no files in the upload"));
    }
    let stored = upload::store_all(state, package.id, incoming).await?;
    let result = record_upload(state, actor, &package, &stored, meta).await;
    match result {
        Ok((package, replaced)) => {
            for key in replaced {
                if let Err(err) = state.blobs.delete(&key).await {
                    tracing::warn!(%key, error = ?err, "could not delete a replaced blob");
                }
            }
            // The files are committed: from here on their blobs stay, whatever happens.
            recompute_committed(state, package.id).await?;
            Ok(package)
        }
        Err(err) => {
            upload::discard(state, &stored).await;
            Err(err)
        }
    }
}

async fn record_upload(
    state: &AppState,
    actor: &Actor,
    package: &npi_package::Model,
    stored: &[upload::Stored],
    meta: &AuditMeta,
) -> ApiResult<(npi_package::Model, Vec<String>)> {
    let txn = begin_write(&state.db).await?;
    // Re-check under the write lock: the package may have been submitted meanwhile.
    let package = editable(&txn, actor, package.id).await?;
    let mut replaced = Vec::new();
    let uploader = actor.user_id().ok_or(ApiError::Unauthenticated)?;
    for file in stored {
        if let Some(old) = package_file::Entity::find()
            .filter(package_file::Column::PackageId.eq(package.id))
            .filter(package_file::Column::Name.eq(&file.name))
            .one(&txn)
            .await?
        {
            replaced.push(old.storage_key.clone());
            package_file::Entity::delete_by_id(old.id)
                .exec(&txn)
                .await?;
        }
        package_file::ActiveModel {
            id: Set(file.id),
            package_id: Set(package.id),
            kind: Set(file.kind.as_str().to_owned()),
            name: Set(file.name.clone()),
            size_bytes: Set(file.size as i64),
            sha256: Set(file.sha256.clone()),
            storage_key: Set(file.storage_key.clone()),
            layer_function_override: Set(None),
            uploaded_by: Set(uploader),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
    }
    let package = touch(&txn, package).await?;
    let after: Vec<_> = stored.iter().map(|f| json!({"name": f.name, "kind": f.kind.as_str(), "size": f.size, "sha256": f.sha256})).collect();
    audit::record(
        &txn,
        meta,
        Change::new("package.upload", "NpiPackage", package.id).after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok((package, replaced))
}

async fn touch(
    db: &impl ConnectionTrait,
    package: npi_package::Model,
) -> ApiResult<npi_package::Model> {
    let mut active: npi_package::ActiveModel = package.into();
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Recomputes the analysis and pictures after a file change committed. Files are read and
/// parsed outside any transaction; only the result is written in one.
async fn recompute_committed(state: &AppState, package_id: Uuid) -> ApiResult<()> {
    analysis::recompute(state, package_id).await
}

/// Removes a file from an editable package.
pub async fn remove_file(
    state: &AppState,
    actor: &Actor,
    file_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let txn = begin_write(&state.db).await?;
    let file = actor.load::<package_file::Entity>(&txn, file_id).await?;
    let package = editable(&txn, actor, file.package_id).await?;
    package_file::Entity::delete_by_id(file.id)
        .exec(&txn)
        .await?;
    let package = touch(&txn, package).await?;
    audit::record(
        &txn,
        meta,
        Change::new("package.remove_file", "NpiPackage", package.id)
            .before(&json!({"name": file.name, "sha256": file.sha256})),
    )
    .await?;
    txn.commit().await?;
    state.blobs.delete(&file.storage_key).await?;
    recompute_committed(state, package.id).await?;
    Ok(package)
}

/// Says what a layer is when detection could not (or got it wrong).
pub async fn set_layer_function(
    state: &AppState,
    actor: &Actor,
    file_id: Uuid,
    function: LayerFunction,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let txn = begin_write(&state.db).await?;
    let file = actor.load::<package_file::Entity>(&txn, file_id).await?;
    let package = editable(&txn, actor, file.package_id).await?;
    let before = file.layer_function_override.clone();
    let mut active: package_file::ActiveModel = file.clone().into();
    active.layer_function_override = Set(Some(layer_function_text(function)));
    let file = active.update(&txn).await?;
    let package = touch(&txn, package).await?;
    audit::record(
        &txn,
        meta,
        Change::new("package.set_layer_function", "PackageFile", file.id)
            .before(&json!({"name": file.name, "layerFunction": before}))
            .after(&json!({"name": file.name, "layerFunction": file.layer_function_override})),
    )
    .await?;
    txn.commit().await?;
    recompute_committed(state, package.id).await?;
    Ok(package)
}

/// SHA-256 over the package's files: each file's name and content hash, in name order.
async fn content_hash(db: &impl ConnectionTrait, package_id: Uuid) -> ApiResult<(String, usize)> {
    let files = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(package_id))
        .order_by_asc(package_file::Column::Name)
        .all(db)
        .await?;
    let mut hasher = Sha256::new();
    for file in &files {
        hasher.update(file.name.as_bytes());
        hasher.update([0]);
        hasher.update(file.sha256.as_bytes());
        hasher.update([b'\n']);
    }
    Ok((hex::encode(hasher.finalize()), files.len()))
}

/// Sends the package to its EMS: refused while an ERROR finding stands; freezes the files and
/// records a submission with the content hash.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let package = actor
        .load::<npi_package::Entity>(&state.db, package_id)
        .await?;
    let status = status_of(&package);
    if !status.is_editable() {
        return Err(conflict(status, PackageStatus::Submitted));
    }
    // The server is the authority: recompute before deciding.
    recompute_committed(state, package.id).await?;
    let txn = begin_write(&state.db).await?;
    let package = actor.load::<npi_package::Entity>(&txn, package_id).await?;
    let status = status_of(&package);
    if !status.is_editable() {
        return Err(conflict(status, PackageStatus::Submitted));
    }
    // A box build has no board data: its own BOM is checked instead of the board findings.
    let box_build = crate::boxbuild::service::check_box_build_submission(&txn, &package).await?;
    let errors = analysis::error_count(&txn, package.id).await?;
    if errors > 0 && !box_build {
        return Err(ApiError::conflict(format!(
            "{errors} ERROR finding(s) stand; fix them before submitting (see the package's findings)"
        )));
    }
    let (hash, files) = content_hash(&txn, package.id).await?;
    if files == 0 {
        return Err(ApiError::conflict("the package has no files"));
    }
    let number = submission::Entity::find()
        .filter(submission::Column::PackageId.eq(package.id))
        .count(&txn)
        .await? as i32
        + 1;
    let now = Utc::now();
    submission::ActiveModel {
        id: Set(Uuid::now_v7()),
        package_id: Set(package.id),
        number: Set(number),
        content_hash: Set(hash.clone()),
        submitted_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
        submitted_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let before = snapshot(&package);
    let first = package.first_submitted_at;
    let mut active: npi_package::ActiveModel = package.into();
    active.status = Set(PackageStatus::Submitted.into());
    active.content_hash = Set(Some(hash));
    active.first_submitted_at = Set(Some(first.unwrap_or(now)));
    active.updated_at = Set(now);
    let package = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new("package.submit", "NpiPackage", package.id)
            .before(&before)
            .after(&snapshot(&package)),
    )
    .await?;
    crate::outbox::emit_to(
        &txn,
        &[package.oem_id, package.ems_id],
        crate::webhooks::model::WebhookEvent::PackageSubmitted,
        package.id,
        json!({"productId": package.product_id, "status": package.status}),
    )
    .await?;
    txn.commit().await?;
    Ok(package)
}

/// One step of the EMS side of the workflow.
struct Step<'a> {
    from: &'a [PackageStatus],
    to: PackageStatus,
    action: &'a str,
    decision: Option<(ReviewDecision, String)>,
}

async fn transition(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    step: Step<'_>,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::ReviewPackages)?;
    let txn = begin_write(&state.db).await?;
    let package = actor.load::<npi_package::Entity>(&txn, package_id).await?;
    if actor.org_kind != OrgKind::Ems || package.ems_id != actor.org_id {
        return Err(ApiError::NotFound("NPI package"));
    }
    let status = status_of(&package);
    let Step {
        from,
        to,
        action,
        decision,
    } = step;
    if !from.contains(&status) {
        return Err(conflict(status, to));
    }
    let now = Utc::now();
    if let Some((decision, comment)) = decision {
        let latest = submission::Entity::find()
            .filter(submission::Column::PackageId.eq(package.id))
            .order_by_desc(submission::Column::Number)
            .one(&txn)
            .await?
            .ok_or_else(|| ApiError::conflict("the package was never submitted"))?;
        review::ActiveModel {
            id: Set(Uuid::now_v7()),
            package_id: Set(package.id),
            submission_id: Set(latest.id),
            decision: Set(decision.into()),
            comment: Set(comment),
            reviewer_id: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let before = snapshot(&package);
    let previous = package.previous_package_id;
    let mut active: npi_package::ActiveModel = package.into();
    active.status = Set(to.into());
    active.updated_at = Set(now);
    let package = active.update(&txn).await?;
    audit::record(
        &txn,
        meta,
        Change::new(action, "NpiPackage", package.id)
            .before(&before)
            .after(&snapshot(&package)),
    )
    .await?;
    let event = match to {
        PackageStatus::Accepted => Some(crate::webhooks::model::WebhookEvent::PackageAccepted),
        PackageStatus::ChangesRequested => {
            Some(crate::webhooks::model::WebhookEvent::PackageChangesRequested)
        }
        _ => None,
    };
    if let Some(event) = event {
        crate::outbox::emit_to(
            &txn,
            &[package.oem_id, package.ems_id],
            event,
            package.id,
            json!({"productId": package.product_id, "status": package.status}),
        )
        .await?;
    }
    if to == PackageStatus::Accepted {
        if let Some(previous_id) = previous {
            if let Some(old) = npi_package::Entity::find_by_id(previous_id)
                .one(&txn)
                .await?
            {
                if status_of(&old) == PackageStatus::Accepted {
                    let before = snapshot(&old);
                    let mut active: npi_package::ActiveModel = old.into();
                    active.status = Set(PackageStatus::Superseded.into());
                    active.updated_at = Set(now);
                    let old = active.update(&txn).await?;
                    audit::record(
                        &txn,
                        meta,
                        Change::new("package.supersede", "NpiPackage", old.id)
                            .before(&before)
                            .after(&snapshot(&old)),
                    )
                    .await?;
                }
            }
        }
    }
    txn.commit().await?;
    Ok(package)
}

/// The EMS program manager opens a submitted package.
pub async fn start_review(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let step = Step {
        from: &[PackageStatus::Submitted],
        to: PackageStatus::InReview,
        action: "package.start_review",
        decision: None,
    };
    transition(state, actor, package_id, step, meta).await
}

/// The EMS program manager accepts the package under review; an older revision it was made
/// from becomes SUPERSEDED.
pub async fn accept(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    comment: &str,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let comment = text("the comment", comment, 10_000, false)?;
    let step = Step {
        from: &[PackageStatus::InReview],
        to: PackageStatus::Accepted,
        action: "package.accept",
        decision: Some((ReviewDecision::Accept, comment)),
    };
    transition(state, actor, package_id, step, meta).await
}

/// The EMS program manager sends the package back to the OEM with a comment.
pub async fn request_changes(
    state: &AppState,
    actor: &Actor,
    package_id: Uuid,
    comment: &str,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    let comment = text("the comment", comment, 10_000, true)?;
    let step = Step {
        from: &[PackageStatus::InReview],
        to: PackageStatus::ChangesRequested,
        action: "package.request_changes",
        decision: Some((ReviewDecision::RequestChanges, comment)),
    };
    transition(state, actor, package_id, step, meta).await
}

/// Adds a comment to the review thread (either side, once the package is visible to it).
pub async fn add_comment(
    db: &DatabaseConnection,
    actor: &Actor,
    package_id: Uuid,
    body: &str,
    anchor_file: Option<String>,
    anchor_designator: Option<String>,
    meta: &AuditMeta,
) -> ApiResult<package_comment::Model> {
    let author = actor
        .user_id()
        .ok_or_else(|| ApiError::forbidden("API tokens cannot comment"))?;
    let body = text("the comment", body, 10_000, true)?;
    let anchor_file = anchor_file
        .map(|f| text("the anchor file", &f, 400, true))
        .transpose()?;
    let anchor_designator = anchor_designator
        .map(|d| text("the anchor designator", &d, 64, true))
        .transpose()?;
    let txn = begin_write(db).await?;
    let package = actor.load::<npi_package::Entity>(&txn, package_id).await?;
    if let Some(file) = &anchor_file {
        let exists = package_file::Entity::find()
            .filter(package_file::Column::PackageId.eq(package.id))
            .filter(package_file::Column::Name.eq(file))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            return Err(ApiError::bad_input(format!(
                "the package has no file named \"{file}\""
            )));
        }
    }
    let row = package_comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        package_id: Set(package.id),
        author_id: Set(author),
        body: Set(body),
        anchor_file: Set(anchor_file),
        anchor_designator: Set(anchor_designator),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    // The comment belongs to both sides' trails: record it in the package owner's.
    audit::record(
        &txn,
        meta,
        Change::new("package.comment", "NpiPackage", package.id)
            .after(&json!({"comment": row.id, "body": row.body})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Starts a new DRAFT revision from an ACCEPTED one, copying its files.
pub async fn create_revision(
    state: &AppState,
    actor: &Actor,
    from_id: Uuid,
    revision: &str,
    meta: &AuditMeta,
) -> ApiResult<npi_package::Model> {
    authorize(actor, Action::AuthorPackages)?;
    let revision = clean_revision(revision)?;
    let source = actor
        .load::<npi_package::Entity>(&state.db, from_id)
        .await?;
    let status = status_of(&source);
    if status != PackageStatus::Accepted {
        return Err(ApiError::conflict(format!(
            "the package is {status}; only an ACCEPTED revision can be revised"
        )));
    }
    let files = package_file::Entity::find()
        .filter(package_file::Column::PackageId.eq(source.id))
        .all(&state.db)
        .await?;
    let new_id = Uuid::now_v7();
    let mut copies: Vec<(Uuid, String)> = Vec::new();
    for file in &files {
        let id = Uuid::now_v7();
        let key = upload::storage_key(new_id, id);
        if let Err(err) = state.blobs.copy(&file.storage_key, &key).await {
            for (_, key) in &copies {
                let _ = state.blobs.delete(key).await;
            }
            return Err(err);
        }
        copies.push((id, key));
    }
    let result = async {
        let txn = begin_write(&state.db).await?;
        let now = Utc::now();
        let row = npi_package::ActiveModel {
            id: Set(new_id),
            product_id: Set(source.product_id),
            oem_id: Set(source.oem_id),
            ems_id: Set(source.ems_id),
            revision: Set(revision.clone()),
            ipc_class: Set(source.ipc_class.clone()),
            quantities: Set(source.quantities.clone()),
            notes: Set(source.notes.clone()),
            status: Set(PackageStatus::Draft.into()),
            content_hash: Set(None),
            first_submitted_at: Set(None),
            previous_package_id: Set(Some(source.id)),
            created_by: Set(actor.user_id().ok_or(ApiError::Unauthenticated)?),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            conflict_on_duplicate(
                e,
                format!("revision {revision} already exists for this product"),
            )
        })?;
        for (file, (id, key)) in files.iter().zip(&copies) {
            package_file::ActiveModel {
                id: Set(*id),
                package_id: Set(row.id),
                kind: Set(file.kind.clone()),
                name: Set(file.name.clone()),
                size_bytes: Set(file.size_bytes),
                sha256: Set(file.sha256.clone()),
                storage_key: Set(key.clone()),
                layer_function_override: Set(file.layer_function_override.clone()),
                uploaded_by: Set(file.uploaded_by),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        audit::record(
            &txn,
            meta,
            Change::new("package.create_revision", "NpiPackage", row.id)
                .after(&json!({"from": source.id, "revision": row.revision})),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(row)
    }
    .await;
    if result.is_err() {
        for (_, key) in &copies {
            let _ = state.blobs.delete(key).await;
        }
    }
    let row = result?;
    // The copies are committed: from here on their blobs stay, whatever happens.
    recompute_committed(state, row.id).await?;
    Ok(row)
}
