//! The effectivity an OEM chose for a revision.

use sea_orm::entity::prelude::*;

/// A row of `revision_effectivities`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revision_effectivities")]
pub struct Model {
    /// The revision (primary key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub package_id: Uuid,
    /// `FROM_DATE`, `FROM_SERIAL` or `NEXT_BUILD`.
    pub kind: String,
    /// For FROM_DATE: the first day the revision is built.
    pub from_date: Option<Date>,
    /// For FROM_SERIAL: the first serial of the revision.
    pub from_serial: Option<String>,
    /// Who chose it.
    pub set_by: Uuid,
    /// When.
    pub set_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
