//! A CFX message received: applied, acknowledged, or dead-lettered with the reason.

use sea_orm::entity::prelude::*;

/// A row of `cfx_messages`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "cfx_messages")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The EMS that received it.
    pub ems_id: Uuid,
    /// The message's `UniqueID`: a second message with it is a repeat.
    pub unique_id: String,
    /// The sending endpoint's handle.
    pub source: String,
    /// The message's `MessageName`.
    pub message_name: String,
    /// The whole message as JSON (the fixed one after a replay with changes).
    pub body: String,
    /// `APPLIED`, `ACKNOWLEDGED` or `DEAD`.
    pub status: String,
    /// Why it could not be applied, for a dead letter.
    pub reason: Option<String>,
    /// Times it was applied or tried.
    pub attempts: i32,
    /// When it arrived.
    pub created_at: DateTimeUtc,
    /// When it was last tried.
    pub updated_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
