//! One discipline of a CAPA's 8D, as filled in.

use sea_orm::entity::prelude::*;

/// A row of `capa_disciplines`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "capa_disciplines")]
pub struct Model {
    /// Primary key (the record its signature names).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The CAPA.
    pub capa_id: Uuid,
    /// D1 … D8.
    pub discipline: String,
    /// Who owns it.
    pub owner: String,
    /// When it is due.
    pub due_date: Option<Date>,
    /// What it says (team, description, containment, root cause entries, actions, evidence…).
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Who last changed it.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
