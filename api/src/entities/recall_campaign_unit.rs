//! A top-level unit covered by a recall campaign, with its recovery status.

use sea_orm::entity::prelude::*;

/// A row of `recall_campaign_units`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_campaign_units")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The campaign.
    pub campaign_id: Uuid,
    /// The unit.
    pub unit_id: Uuid,
    /// Its serial.
    pub serial: String,
    /// OPEN, RECOVERED, REPAIRED or SCRAPPED.
    pub status: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
