//! An IPC-CFX endpoint (a machine's handle) mapped to a station and authorized by an API token.

use sea_orm::entity::prelude::*;

/// A row of `cfx_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cfx_endpoints")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS whose floor it is on.
    pub ems_id: Uuid,
    /// The CFX handle the endpoint names as a message's `Source`.
    pub handle: String,
    /// The routing station name its results are recorded at.
    pub station: String,
    /// The API token its messages must be sent with.
    pub api_token_id: Uuid,
    /// When it was mapped.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
