//! A first-article inspection report of one unit of a build (AS9102 shape).

use sea_orm::entity::prelude::*;

/// A row of `fai_reports`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fai_reports")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The unit inspected.
    pub unit_id: Uuid,
    /// The package revision.
    pub package_id: Uuid,
    /// The OEM (customer).
    pub oem_id: Uuid,
    /// The EMS (organization).
    pub ems_id: Uuid,
    /// NEW_PART, DESIGN_CHANGE, PROCESS_CHANGE, PRODUCTION_LAPSE or OTHER.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// FULL or PARTIAL.
    pub scope: String,
    /// DRAFT, SUBMITTED, EMS_APPROVED or APPROVED.
    pub status: String,
    /// Forms 1 and 2 as JSON, captured when the report was created.
    #[sea_orm(column_type = "Text")]
    pub accountability: String,
    /// When it was first submitted; the OEM sees it from then on.
    pub first_submitted_at: Option<DateTimeUtc>,
    /// Who created it.
    pub created_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
