//! One event on its way to one endpoint: attempts, schedule and outcome.

use sea_orm::entity::prelude::*;

/// A row of `webhook_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The endpoint it goes to.
    pub endpoint_id: Uuid,
    /// The outbox event it carries.
    pub event_id: Uuid,
    /// The endpoint's organization.
    pub organization_id: Uuid,
    /// The event's subject: deliveries of one subject to one endpoint go in event order.
    pub subject_id: Uuid,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (or the current one's lease ends).
    pub next_attempt_at: DateTimeUtc,
    /// After this a failing delivery is given up (FAILED).
    pub give_up_at: DateTimeUtc,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTimeUtc>,
    /// The HTTP status the receiver last answered.
    pub response_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the receiver accepted it.
    pub delivered_at: Option<DateTimeUtc>,
    /// When it was queued.
    pub created_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
