//! An NCR a corrective action covers.

use sea_orm::entity::prelude::*;

/// A row of `capa_ncrs`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "capa_ncrs")]
pub struct Model {
    /// The CAPA.
    #[sea_orm(primary_key, auto_increment = false)]
    pub capa_id: Uuid,
    /// The NCR.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ncr_id: Uuid,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
