//! GraphQL types of the packages capability.

use crate::accounts::model::Organization;
use crate::context::ContextExt;
use crate::entities::{
    npi_package, organization, package_comment, package_file, product, review, submission, user,
};
use crate::error::{ApiError, ApiResult};
use crate::packages::analysis::{self, Picture, Pictures};
use async_graphql::{ComplexObject, Context, InputObject, SimpleObject, ID};
use chrono::{DateTime, Utc};
use firstpass_shared::cad;
pub use firstpass_shared::cad::{FileKind, LayerFunction, LayerSource, Severity, Side};
pub use firstpass_shared::domain::{IpcClass, PackageStatus, ReviewDecision};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;
use uuid::Uuid;

/// How many times the selection under `layers` counts against the query complexity limit: a
/// typical number of layers, since each may fetch a picture.
pub const LAYERS_COUNTED: usize = 16;

/// An OEM's product.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Product {
    /// Unique id.
    pub id: ID,
    /// The OEM's part number, unique within the OEM.
    pub part_number: String,
    /// Display name.
    pub name: String,
    /// Free description.
    pub description: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// PCBA or BOX_BUILD (a top-level assembly whose BOM names sub-assemblies).
    pub tier: firstpass_shared::boxbuild::ProductTier,
    /// The row, for child fields.
    #[graphql(skip)]
    pub row: product::Model,
}

impl From<product::Model> for Product {
    fn from(row: product::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            part_number: row.part_number.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            created_at: row.created_at,
            tier: row
                .tier
                .parse()
                .unwrap_or(firstpass_shared::boxbuild::ProductTier::Pcba),
            row,
        }
    }
}

#[ComplexObject]
impl Product {
    /// The OEM that owns the product.
    async fn oem(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        org(ctx, self.row.oem_id).await
    }

    /// The product's package revisions the caller may see, oldest first.
    async fn packages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<NpiPackage>> {
        let actor = ctx.reader()?;
        let rows = actor
            .select::<npi_package::Entity>()
            .filter(npi_package::Column::ProductId.eq(self.row.id))
            .order_by_asc(npi_package::Column::CreatedAt)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows.into_iter().map(NpiPackage::from).collect())
    }
}

async fn org(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Organization> {
    let actor = ctx.reader()?;
    let row = actor
        .load::<organization::Entity>(&ctx.state().db, id)
        .await?;
    Ok(Organization::from_model(row)?)
}

/// One revision of a product's manufacturing data, addressed to one EMS partner.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct NpiPackage {
    /// Unique id.
    pub id: ID,
    /// Revision label (A, B, … or 01, 02, …), unique per product.
    pub revision: String,
    /// IPC-A-610 class the assembly is built and inspected to.
    pub ipc_class: IpcClass,
    /// Target build quantities, e.g. [10, 100, 1000].
    pub quantities: Vec<i32>,
    /// Notes for the EMS.
    pub notes: String,
    /// Workflow status.
    pub status: PackageStatus,
    /// SHA-256 over all files as last submitted (name and content of each), if ever submitted.
    pub content_hash: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The row, for child fields.
    #[graphql(skip)]
    pub row: npi_package::Model,
}

impl From<npi_package::Model> for NpiPackage {
    fn from(row: npi_package::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            revision: row.revision.clone(),
            ipc_class: row.ipc_class.parse().unwrap_or(IpcClass::Class2),
            quantities: parse_quantities(&row.quantities),
            notes: row.notes.clone(),
            status: status_of(&row),
            content_hash: row.content_hash.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            row,
        }
    }
}

/// The stored status of a package row.
pub fn status_of(row: &npi_package::Model) -> PackageStatus {
    row.status.parse().unwrap_or(PackageStatus::Draft)
}

/// Reads stored quantities ("10,100,1000").
pub fn parse_quantities(text: &str) -> Vec<i32> {
    text.split(',')
        .filter_map(|q| q.trim().parse().ok())
        .collect()
}

#[ComplexObject]
impl NpiPackage {
    /// The NCRs found in the builds of this revision, newest first.
    async fn ncrs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Ncr>> {
        crate::quality::resolver::ncrs_of(
            ctx,
            crate::quality::service::NcrsOf::Package(self.row.id),
        )
        .await
    }

    /// The corrective actions covering NCRs of this revision's builds, newest first.
    async fn capas(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::quality::model::Capa>> {
        crate::quality::resolver::capas_of(
            ctx,
            crate::quality::service::NcrsOf::Package(self.row.id),
        )
        .await
    }

    /// The product this is a revision of.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Product> {
        let actor = ctx.reader()?;
        Ok(actor
            .load::<product::Entity>(&ctx.state().db, self.row.product_id)
            .await?
            .into())
    }

    /// The OEM that owns the package.
    async fn oem(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        org(ctx, self.row.oem_id).await
    }

    /// The EMS partner the package is addressed to.
    async fn ems(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        org(ctx, self.row.ems_id).await
    }

    /// The class stated for each IPC standard that applies (IPC-A-610 for boards,
    /// IPC/WHMA-A-620 for cables and harnesses, IPC-A-630 for enclosures and box build).
    async fn standards(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::boxbuild::model::StandardClass>> {
        Ok(crate::boxbuild::model::standards_of(&ctx.state().db, &self.row).await?)
    }

    /// A box build's own BOM, by position: sub-assemblies, bought items and firmware.
    async fn box_build_bom(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::boxbuild::model::BoxBomLine>> {
        Ok(crate::boxbuild::model::bom_of(&ctx.state().db, &self.row).await?)
    }

    /// The files, by name.
    async fn files(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PackageFile>> {
        let rows =
            crate::loaders::children::<package_file::Entity>(ctx.loaders(), self.row.id).await?;
        Ok(rows.into_iter().map(PackageFile::from).collect())
    }

    /// The layers identified among the Gerber and drill files. For the query complexity limit,
    /// the selection under it counts 16 times, a typical number of layers.
    #[graphql(complexity = "1 + LAYERS_COUNTED * child_complexity")]
    async fn layers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Layer>> {
        let stored = analysis::load_stored(&ctx.state().db, self.row.id).await?;
        let files = self.file_rows(ctx).await?;
        Ok(stored
            .analysis
            .layers
            .into_iter()
            .enumerate()
            .map(|(index, info)| {
                let file = files
                    .iter()
                    .find(|f| f.name == info.file)
                    .cloned()
                    .map(PackageFile::from);
                Layer {
                    info,
                    file,
                    package_id: self.row.id,
                    index,
                    pictures: stored.pictures.clone(),
                }
            })
            .collect())
    }

    /// Board size and layer count, from the outline and copper layers; without an outline the
    /// size is the copper's extent (`sizeFromOutline` false); null while there is no copper.
    async fn board(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Board>> {
        let stored = analysis::load_stored(&ctx.state().db, self.row.id).await?;
        Ok(stored
            .analysis
            .board_or_copper_extent()
            .map(|(b, from_outline)| Board {
                width_mm: b.width_mm,
                height_mm: b.height_mm,
                layer_count: b.layer_count as i32,
                size_from_outline: from_outline,
                package_id: self.row.id,
                pictures: stored.pictures.clone(),
            }))
    }

    /// BOM lines in file order.
    async fn bom_lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<BomLine>> {
        let analysis = analysis::load(&ctx.state().db, self.row.id).await?;
        Ok(analysis.bom_lines.into_iter().map(BomLine::from).collect())
    }

    /// Placements from the centroid file, in file order.
    async fn placements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Placement>> {
        let analysis = analysis::load(&ctx.state().db, self.row.id).await?;
        Ok(analysis
            .placements
            .into_iter()
            .map(Placement::from)
            .collect())
    }

    /// Validation findings, recomputed whenever the files change; ERRORs block submission.
    async fn findings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Finding>> {
        let analysis = analysis::load(&ctx.state().db, self.row.id).await?;
        Ok(analysis.findings.into_iter().map(Finding::from).collect())
    }

    /// Every submission to the EMS, oldest first.
    async fn submissions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Submission>> {
        let rows = submission::Entity::find()
            .filter(submission::Column::PackageId.eq(self.row.id))
            .order_by_asc(submission::Column::Number)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let by = person(ctx, row.submitted_by).await?;
            out.push(Submission {
                id: ID(row.id.to_string()),
                number: row.number,
                content_hash: row.content_hash,
                submitted_at: row.submitted_at,
                submitted_by: by,
            });
        }
        Ok(out)
    }

    /// The EMS decisions, oldest first.
    async fn reviews(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Review>> {
        let rows = review::Entity::find()
            .filter(review::Column::PackageId.eq(self.row.id))
            .order_by_asc(review::Column::CreatedAt)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let number = submission::Entity::find_by_id(row.submission_id)
                .one(&ctx.state().db)
                .await
                .map_err(ApiError::from)?
                .map_or(0, |s| s.number);
            out.push(Review {
                id: ID(row.id.to_string()),
                decision: row.decision.parse().map_err(ApiError::internal)?,
                comment: row.comment,
                reviewer: person(ctx, row.reviewer_id).await?,
                submission_number: number,
                created_at: row.created_at,
            });
        }
        Ok(out)
    }

    /// The review thread, oldest first.
    async fn comments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PackageComment>> {
        let rows =
            crate::loaders::children::<package_comment::Entity>(ctx.loaders(), self.row.id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(PackageComment::from_row(ctx, row).await?);
        }
        Ok(out)
    }
}

impl NpiPackage {
    async fn file_rows(&self, ctx: &Context<'_>) -> ApiResult<Vec<package_file::Model>> {
        Ok(package_file::Entity::find()
            .filter(package_file::Column::PackageId.eq(self.row.id))
            .all(&ctx.state().db)
            .await?)
    }
}

/// A person named on a record of a package both sides share (submitter, reviewer, commenter).
#[derive(SimpleObject, Clone, Debug)]
pub struct Person {
    /// Full name.
    pub full_name: String,
    /// The person's organization.
    pub organization_name: String,
}

async fn person(ctx: &Context<'_>, user_id: Uuid) -> ApiResult<Person> {
    let db = &ctx.state().db;
    let user = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let org = organization::Entity::find_by_id(user.organization_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("organization"))?;
    Ok(Person {
        full_name: user.full_name,
        organization_name: org.name,
    })
}

/// A file of a package.
#[derive(SimpleObject, Clone, Debug)]
pub struct PackageFile {
    /// Unique id.
    pub id: ID,
    /// What the file is.
    pub kind: FileKind,
    /// File name; members of an uploaded zip keep their folder path.
    pub name: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Where to download it (`GET`, with the same bearer token).
    pub download_url: String,
    /// The layer function a person set with `setLayerFunction`, if any.
    pub layer_function_override: Option<LayerFunction>,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

impl From<package_file::Model> for PackageFile {
    fn from(row: package_file::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            kind: row.kind.parse_kind(),
            name: row.name,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            download_url: format!("/files/{}", row.id),
            layer_function_override: row
                .layer_function_override
                .as_deref()
                .and_then(parse_layer_function),
            created_at: row.created_at,
        }
    }
}

trait ParseKind {
    fn parse_kind(&self) -> FileKind;
}

impl ParseKind for String {
    fn parse_kind(&self) -> FileKind {
        self.parse().unwrap_or(FileKind::Other)
    }
}

/// Reads a stored layer function spelling.
pub fn parse_layer_function(text: &str) -> Option<LayerFunction> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// The stored spelling of a layer function.
pub fn layer_function_text(function: LayerFunction) -> String {
    serde_json::to_value(function)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A layer identified in a Gerber or drill file.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Layer {
    /// The file this layer is.
    pub file: Option<PackageFile>,
    /// The package, for the picture.
    #[graphql(skip)]
    pub package_id: Uuid,
    /// What was found.
    #[graphql(skip)]
    pub info: cad::validate::LayerInfo,
    /// Position in the package's analysis, which names the layer's picture.
    #[graphql(skip)]
    pub index: usize,
    /// The package's picture keys, when they have been rendered.
    #[graphql(skip)]
    pub pictures: Option<Arc<Pictures>>,
}

#[ComplexObject]
impl Layer {
    /// The layer's function.
    async fn function(&self) -> LayerFunction {
        self.info.function
    }
    /// The side it belongs to.
    async fn side(&self) -> Side {
        self.info.side
    }
    /// For inner copper, its position in the stack (1 = first inner layer).
    async fn inner_index(&self) -> Option<i32> {
        self.info.inner_index.map(|i| i as i32)
    }
    /// How the function was found.
    async fn source(&self) -> LayerSource {
        self.info.source
    }
    /// Whether the file parsed.
    async fn parsed(&self) -> bool {
        self.info.parsed
    }
    /// Extents of the drawn image in mm, if it has any.
    async fn extents(&self) -> Option<ExtentsMm> {
        self.info.extents_mm.map(|e| ExtentsMm {
            min_x: e.min_x,
            min_y: e.min_y,
            max_x: e.max_x,
            max_y: e.max_y,
        })
    }
    /// The layer drawn as SVG (viewBox in mm, y up as on the board). Rendered when the files
    /// change and read from storage; weighs 50 against the query complexity limit.
    #[graphql(complexity = 50)]
    async fn svg(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(analysis::picture(
            ctx.state(),
            self.package_id,
            self.pictures.as_deref(),
            Picture::Layer(self.index),
        )
        .await?)
    }
}

/// An axis-aligned box in millimetres.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct ExtentsMm {
    /// Smallest x.
    pub min_x: f64,
    /// Smallest y.
    pub min_y: f64,
    /// Largest x.
    pub max_x: f64,
    /// Largest y.
    pub max_y: f64,
}

/// The bare board, as found from the outline and copper layers.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Board {
    /// Width (x) of the outline in mm (of the copper when there is no outline).
    pub width_mm: f64,
    /// Height (y) of the outline in mm (of the copper when there is no outline).
    pub height_mm: f64,
    /// Number of copper layers.
    pub layer_count: i32,
    /// Whether the size is the outline's; false when the package has no outline and the size
    /// is the extent of its copper.
    pub size_from_outline: bool,
    /// The package, for the pictures.
    #[graphql(skip)]
    pub package_id: Uuid,
    /// The package's picture keys, when they have been rendered.
    #[graphql(skip)]
    pub pictures: Option<Arc<Pictures>>,
}

#[ComplexObject]
impl Board {
    /// The top side as SVG, in realistic colours (mask, copper, silkscreen, holes, outline).
    /// Rendered when the files change and read from storage; weighs 50 against the query
    /// complexity limit.
    #[graphql(complexity = 50)]
    async fn svg_top(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.picture(ctx, Picture::BoardTop).await
    }
    /// The bottom side as SVG, seen from below. Rendered when the files change and read from
    /// storage; weighs 50 against the query complexity limit.
    #[graphql(complexity = 50)]
    async fn svg_bottom(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.picture(ctx, Picture::BoardBottom).await
    }
}

impl Board {
    async fn picture(
        &self,
        ctx: &Context<'_>,
        which: Picture,
    ) -> async_graphql::Result<Option<String>> {
        Ok(analysis::picture(
            ctx.state(),
            self.package_id,
            self.pictures.as_deref(),
            which,
        )
        .await?)
    }
}

/// A line of the bill of materials.
#[derive(SimpleObject, Clone, Debug)]
pub struct BomLine {
    /// The BOM file.
    pub file: String,
    /// Row as a spreadsheet shows it (1-based).
    pub row: i32,
    /// Reference designators, ranges expanded.
    pub designators: Vec<String>,
    /// The quantity column, if present.
    pub quantity: Option<i32>,
    /// Manufacturer part number.
    pub mpn: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Value (10k, 100nF, …).
    pub value: Option<String>,
    /// Package or footprint.
    pub package: Option<String>,
    /// Do not place.
    pub dnp: bool,
}

impl From<cad::bom::BomLine> for BomLine {
    fn from(l: cad::bom::BomLine) -> Self {
        Self {
            file: l.file,
            row: l.row as i32,
            designators: l.designators,
            quantity: l.quantity.map(|q| q as i32),
            mpn: l.mpn,
            manufacturer: l.manufacturer,
            description: l.description,
            value: l.value,
            package: l.package,
            dnp: l.dnp,
        }
    }
}

/// A placement from the centroid (pick-and-place) file.
#[derive(SimpleObject, Clone, Debug)]
pub struct Placement {
    /// The centroid file.
    pub file: String,
    /// Row (1-based line).
    pub row: i32,
    /// Reference designator.
    pub designator: String,
    /// x in mm.
    pub x_mm: f64,
    /// y in mm.
    pub y_mm: f64,
    /// Rotation in degrees.
    pub rotation_deg: f64,
    /// TOP or BOTTOM.
    pub side: Side,
    /// Value, if the file gives one.
    pub value: Option<String>,
    /// Package or footprint, if the file gives one.
    pub package: Option<String>,
}

impl From<cad::centroid::Placement> for Placement {
    fn from(p: cad::centroid::Placement) -> Self {
        Self {
            file: p.file,
            row: p.row as i32,
            designator: p.designator,
            x_mm: p.x_mm,
            y_mm: p.y_mm,
            rotation_deg: p.rotation_deg,
            side: p.side,
            value: p.value,
            package: p.package,
        }
    }
}

/// A validation finding.
#[derive(SimpleObject, Clone, Debug)]
pub struct Finding {
    /// ERROR blocks submission; WARNING does not.
    pub severity: Severity,
    /// Stable code, e.g. `BOM_QTY_MISMATCH`, `MISSING_LAYER`, `GERBER_PARSE_ERROR`.
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
    /// The file concerned, if any.
    pub file: Option<String>,
    /// The line (Gerber, drill) or row (BOM, centroid), if any.
    pub line: Option<i32>,
    /// The designator concerned, if any.
    pub designator: Option<String>,
    /// For `DRILL_OFFSET_FROM_COPPER`: the vector (mm) to add to the drill file's coordinates so
    /// that its holes land on the copper pads.
    pub offset: Option<OffsetMm>,
}

/// A displacement on the board, in millimetres.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct OffsetMm {
    /// x, mm.
    pub x: f64,
    /// y, mm.
    pub y: f64,
}

impl From<cad::Finding> for Finding {
    fn from(f: cad::Finding) -> Self {
        Self {
            severity: f.severity,
            code: f.code.as_str().to_owned(),
            message: f.message,
            file: f.file,
            line: f.line.map(|l| l as i32),
            designator: f.designator,
            offset: f.offset.map(|o| OffsetMm {
                x: o.x_mm(),
                y: o.y_mm(),
            }),
        }
    }
}

/// One submission of a package to its EMS.
#[derive(SimpleObject, Clone, Debug)]
pub struct Submission {
    /// Unique id.
    pub id: ID,
    /// 1 for the first submission, then 2, ….
    pub number: i32,
    /// SHA-256 over the files as submitted.
    pub content_hash: String,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// Who.
    pub submitted_by: Person,
}

/// An EMS decision on a submission.
#[derive(SimpleObject, Clone, Debug)]
pub struct Review {
    /// Unique id.
    pub id: ID,
    /// ACCEPT or REQUEST_CHANGES.
    pub decision: ReviewDecision,
    /// The reviewer's comment.
    pub comment: String,
    /// Who decided.
    pub reviewer: Person,
    /// The submission decided on.
    pub submission_number: i32,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What a comment is about.
#[derive(SimpleObject, InputObject, Clone, Debug)]
#[graphql(input_name = "CommentAnchorInput")]
pub struct CommentAnchor {
    /// A file name of the package.
    pub file: Option<String>,
    /// A reference designator.
    pub designator: Option<String>,
}

/// A comment in a package's review thread.
#[derive(SimpleObject, Clone, Debug)]
pub struct PackageComment {
    /// Unique id.
    pub id: ID,
    /// The text.
    pub body: String,
    /// Who wrote it.
    pub author: Person,
    /// What it is about, if anything in particular.
    pub anchor: Option<CommentAnchor>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl PackageComment {
    /// Converts a row, naming its author.
    pub async fn from_row(ctx: &Context<'_>, row: package_comment::Model) -> ApiResult<Self> {
        Ok(PackageComment {
            id: ID(row.id.to_string()),
            body: row.body,
            author: person(ctx, row.author_id).await?,
            anchor: if row.anchor_file.is_some() || row.anchor_designator.is_some() {
                Some(CommentAnchor {
                    file: row.anchor_file,
                    designator: row.anchor_designator,
                })
            } else {
                None
            },
            created_at: row.created_at,
        })
    }
}

/// Fields of a new product.
#[derive(InputObject, Debug)]
pub struct CreateProductInput {
    /// The OEM's part number; unique within the OEM.
    pub part_number: String,
    /// Display name.
    pub name: String,
    /// Free description.
    #[graphql(default)]
    pub description: String,
    /// PCBA (the default) or BOX_BUILD.
    pub tier: Option<firstpass_shared::boxbuild::ProductTier>,
}

/// Fields of a new NPI package.
#[derive(InputObject, Debug)]
pub struct CreateNpiPackageInput {
    /// The product it is a revision of.
    pub product_id: ID,
    /// Revision label (letters, digits, `.`, `-`; at most 16 characters).
    pub revision: String,
    /// The EMS partner it is for; must be a partner of the OEM.
    pub ems_organization_id: ID,
    /// IPC-A-610 class.
    pub ipc_class: IpcClass,
    /// Target build quantities, each at least 1.
    #[graphql(default)]
    pub quantities: Vec<i32>,
    /// Notes for the EMS.
    #[graphql(default)]
    pub notes: String,
}

/// Filters for `products`.
#[derive(InputObject, Debug, Default)]
pub struct ProductFilter {
    /// Part number or name contains this text (case-insensitive).
    pub search: Option<String>,
}

/// Filters for `npiPackages`.
#[derive(InputObject, Debug, Default)]
pub struct NpiPackageFilter {
    /// Every word appears in the revision or the product's part number or name
    /// (case-insensitive).
    pub search: Option<String>,
    /// Only packages in this status.
    pub status: Option<PackageStatus>,
    /// Only revisions of this product.
    pub product_id: Option<ID>,
    /// Only packages for this EMS.
    pub ems_organization_id: Option<ID>,
    /// Only packages of this IPC class.
    pub ipc_class: Option<IpcClass>,
}

crate::connection!(ProductConnection, ProductEdge, Product, "products");
crate::connection!(
    NpiPackageConnection,
    NpiPackageEdge,
    NpiPackage,
    "NPI packages"
);
