//! GraphQL queries and mutations of the packages capability; thin calls into the service.

use super::compare::{self, RevisionComparison, RevisionEffectivity, RevisionEffectivityInput};
use super::model::{
    CommentAnchor, CreateNpiPackageInput, CreateProductInput, LayerFunction, NpiPackage,
    NpiPackageConnection, NpiPackageFilter, PackageComment, Product, ProductConnection,
    ProductFilter,
};
use super::service::{self, NewPackage};
use super::upload::Incoming;
use crate::context::ContextExt;
use crate::entities::{npi_package, product};
use crate::error::ApiError;
use crate::ids::parse_id;
use crate::pagination::{clamp_first, decode_cursor, page};
use crate::search;
use async_graphql::{Context, Object, Result, Upload, ID};
use firstpass_shared::cad::compare::Tolerances;
use firstpass_shared::text::DisplayName;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};

/// Package queries.
#[derive(Default)]
pub struct PackagesQuery;

#[Object]
impl PackagesQuery {
    /// Products the caller may see, newest first: an OEM's own; for an EMS, those with a
    /// package addressed to it. `first` defaults to 20 and is at most 100.
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProductFilter>,
    ) -> Result<ProductConnection> {
        let actor = ctx.reader()?;
        let limit = clamp_first(first)?;
        let mut select = actor.select::<product::Entity>();
        let words = search::patterns(filter.and_then(|f| f.search).as_deref())?;
        select = select.filter(search::every_word(&words, |word| {
            Condition::any()
                .add(search::like(product::Column::PartNumber, word))
                .add(search::like(product::Column::Name, word))
        }));
        if let Some(cursor) = after.as_deref() {
            select = select.filter(product::Column::Id.lt(decode_cursor(cursor)?));
        }
        let rows = select
            .order_by_desc(product::Column::Id)
            .limit(limit + 1)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let (info, rows) = page(rows, limit, after.is_some(), |r| r.id);
        Ok(ProductConnection::new(
            info,
            rows.into_iter()
                .map(|(c, r)| (c, Product::from(r)))
                .collect(),
        ))
    }

    /// One product the caller may see.
    async fn product(&self, ctx: &Context<'_>, id: ID) -> Result<Product> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "product")?;
        Ok(actor
            .load::<product::Entity>(&ctx.state().db, id)
            .await?
            .into())
    }

    /// NPI packages the caller may see, newest first: an OEM's own; for an EMS, those
    /// addressed to it once submitted. `first` defaults to 20 and is at most 100.
    async fn npi_packages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<NpiPackageFilter>,
    ) -> Result<NpiPackageConnection> {
        let actor = ctx.reader()?;
        let limit = clamp_first(first)?;
        let mut select = actor.select::<npi_package::Entity>();
        let filter = filter.unwrap_or_default();
        if let Some(status) = filter.status {
            let status: firstpass_shared::domain::PackageStatus = status;
            select = select.filter(npi_package::Column::Status.eq(status));
        }
        if let Some(product_id) = &filter.product_id {
            select =
                select.filter(npi_package::Column::ProductId.eq(parse_id(product_id, "product")?));
        }
        if let Some(ems_id) = &filter.ems_organization_id {
            select =
                select.filter(npi_package::Column::EmsId.eq(parse_id(ems_id, "organization")?));
        }
        if let Some(class) = filter.ipc_class {
            let class: firstpass_shared::domain::IpcClass = class;
            select = select.filter(npi_package::Column::IpcClass.eq(class));
        }
        let words = search::patterns(filter.search.as_deref())?;
        select = select.filter(search::every_word(&words, |word| {
            Condition::any()
                .add(search::like(npi_package::Column::Revision, word))
                .add(npi_package::Column::ProductId.in_subquery(products_matching(word)))
        }));
        if let Some(cursor) = after.as_deref() {
            select = select.filter(npi_package::Column::Id.lt(decode_cursor(cursor)?));
        }
        let rows = select
            .order_by_desc(npi_package::Column::Id)
            .limit(limit + 1)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let (info, rows) = page(rows, limit, after.is_some(), |r| r.id);
        Ok(NpiPackageConnection::new(
            info,
            rows.into_iter()
                .map(|(c, r)| (c, NpiPackage::from(r)))
                .collect(),
        ))
    }

    /// One NPI package the caller may see.
    async fn npi_package(&self, ctx: &Context<'_>, id: ID) -> Result<NpiPackage> {
        let actor = ctx.reader()?;
        let id = parse_id(&id, "NPI package")?;
        Ok(actor
            .load::<npi_package::Entity>(&ctx.state().db, id)
            .await?
            .into())
    }

    /// What changed between two revisions of one product (`fromPackageId` the older): per
    /// designator (MPN, value, footprint, position beyond `positionToleranceMm`, default 0.05,
    /// rotation beyond 0.5°, side, DNP), BOM lines, layers whose image changed and files; the
    /// first article it calls for; and (`affectedBuilds`) the open builds and serials in work of
    /// the older revision it reaches. A revision the caller may not see is NOT_FOUND.
    async fn compare_revisions(
        &self,
        ctx: &Context<'_>,
        from_package_id: ID,
        to_package_id: ID,
        position_tolerance_mm: Option<f64>,
    ) -> Result<RevisionComparison> {
        let actor = ctx.reader()?;
        let from = parse_id(&from_package_id, "NPI package")?;
        let to = parse_id(&to_package_id, "NPI package")?;
        let mut tolerances = Tolerances::default();
        if let Some(t) = position_tolerance_mm {
            if !(t.is_finite() && (0.0..=10.0).contains(&t)) {
                return Err(
                    ApiError::bad_input("positionToleranceMm must be between 0 and 10 mm").into(),
                );
            }
            tolerances.position_mm = t;
        }
        let (from_row, to_row, diff) =
            compare::diff(&ctx.state().db, actor, from, to, tolerances).await?;
        Ok(compare::comparison(from_row, &to_row, diff))
    }
}

/// Package mutations.
#[derive(Default)]
pub struct PackagesMutation;

#[Object]
impl PackagesMutation {
    /// Creates a product of the caller's OEM (OEM roles).
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: CreateProductInput,
    ) -> Result<Product> {
        let actor = ctx.writer()?;
        let row = service::create_product(
            &ctx.state().db,
            actor,
            &input.part_number,
            &DisplayName::parse(&input.name)?,
            &input.description,
            input
                .tier
                .unwrap_or(firstpass_shared::boxbuild::ProductTier::Pcba),
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(row.into())
    }

    /// Creates a DRAFT package revision of a product for one of the OEM's EMS partners
    /// (OEM roles).
    async fn create_npi_package(
        &self,
        ctx: &Context<'_>,
        input: CreateNpiPackageInput,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let new = NewPackage {
            product_id: parse_id(&input.product_id, "product")?,
            revision: input.revision,
            ems_id: parse_id(&input.ems_organization_id, "EMS organization")?,
            ipc_class: input.ipc_class,
            quantities: input.quantities,
            notes: input.notes,
        };
        Ok(
            service::create_package(ctx.state(), actor, new, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// Uploads files (GraphQL multipart request) into a DRAFT or CHANGES_REQUESTED package. A
    /// zip is unpacked into its members; a file with the name of an existing one replaces it.
    /// Findings are recomputed before the answer.
    async fn upload_package_files(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        files: Vec<Upload>,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let package_id = parse_id(&package_id, "NPI package")?;
        let mut incoming = Vec::with_capacity(files.len());
        for file in files {
            let value = file
                .value(ctx)
                .map_err(|e| ApiError::bad_input(format!("unreadable upload: {e}")))?;
            incoming.push(Incoming {
                name: value.filename,
                content: value.content,
            });
        }
        Ok(service::upload_files(
            ctx.state(),
            actor,
            package_id,
            incoming,
            &ctx.audit_meta(actor),
        )
        .await?
        .into())
    }

    /// Removes a file from a DRAFT or CHANGES_REQUESTED package.
    async fn remove_package_file(&self, ctx: &Context<'_>, file_id: ID) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let file_id = parse_id(&file_id, "file")?;
        Ok(
            service::remove_file(ctx.state(), actor, file_id, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// Says what a Gerber or drill file is when it could not be identified (or was wrong).
    async fn set_layer_function(
        &self,
        ctx: &Context<'_>,
        file_id: ID,
        function: LayerFunction,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let file_id = parse_id(&file_id, "file")?;
        Ok(service::set_layer_function(
            ctx.state(),
            actor,
            file_id,
            function,
            &ctx.audit_meta(actor),
        )
        .await?
        .into())
    }

    /// Sends the package to its EMS (OEM roles). Refused with CONFLICT while an ERROR finding
    /// stands; freezes the files and records a submission with a content hash over them.
    async fn submit_npi_package(&self, ctx: &Context<'_>, id: ID) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "NPI package")?;
        Ok(
            service::submit(ctx.state(), actor, id, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// The EMS program manager opens a SUBMITTED package: IN_REVIEW.
    async fn start_review(&self, ctx: &Context<'_>, id: ID) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "NPI package")?;
        Ok(
            service::start_review(ctx.state(), actor, id, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// The EMS program manager accepts a package IN_REVIEW: ACCEPTED, frozen for good; the
    /// revision it was made from becomes SUPERSEDED.
    async fn accept_npi_package(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] comment: String,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "NPI package")?;
        Ok(
            service::accept(ctx.state(), actor, id, &comment, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// The EMS program manager sends a package IN_REVIEW back to the OEM with a comment.
    async fn request_changes(
        &self,
        ctx: &Context<'_>,
        id: ID,
        comment: String,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let id = parse_id(&id, "NPI package")?;
        Ok(
            service::request_changes(ctx.state(), actor, id, &comment, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// Adds a comment to a package's review thread, optionally about a file or a designator.
    async fn add_package_comment(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        body: String,
        anchor: Option<CommentAnchor>,
    ) -> Result<PackageComment> {
        let actor = ctx.writer()?;
        let package_id = parse_id(&package_id, "NPI package")?;
        let (file, designator) = anchor.map(|a| (a.file, a.designator)).unwrap_or_default();
        let row = service::add_comment(
            &ctx.state().db,
            actor,
            package_id,
            &body,
            file,
            designator,
            &ctx.audit_meta(actor),
        )
        .await?;
        Ok(PackageComment::from_row(ctx, row).await?)
    }

    /// Starts a new DRAFT revision from an ACCEPTED one, with copies of its files.
    async fn create_revision(
        &self,
        ctx: &Context<'_>,
        from_package_id: ID,
        revision: String,
    ) -> Result<NpiPackage> {
        let actor = ctx.writer()?;
        let from = parse_id(&from_package_id, "NPI package")?;
        Ok(
            service::create_revision(ctx.state(), actor, from, &revision, &ctx.audit_meta(actor))
                .await?
                .into(),
        )
    }

    /// Chooses from when a revision made from another replaces it: FROM_DATE (with
    /// `fromDate`), FROM_SERIAL (with `fromSerial`) or NEXT_BUILD. Only the package's OEM may;
    /// choosing again replaces the choice (both stay in the audit trail).
    async fn set_revision_effectivity(
        &self,
        ctx: &Context<'_>,
        package_id: ID,
        input: RevisionEffectivityInput,
    ) -> Result<RevisionEffectivity> {
        let actor = ctx.writer()?;
        let id = parse_id(&package_id, "NPI package")?;
        Ok(compare::set_effectivity(ctx.state(), actor, id, input, &ctx.audit_meta(actor)).await?)
    }
}

/// The ids of the products whose part number or name contains a search word (a LIKE pattern).
pub fn products_matching(word: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(product::Column::Id)
        .from(product::Entity)
        .cond_where(
            Condition::any()
                .add(search::like(product::Column::PartNumber, word))
                .add(search::like(product::Column::Name, word)),
        )
        .to_owned()
}
