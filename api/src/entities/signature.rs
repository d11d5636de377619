//! An electronic signature on a record (21 CFR Part 11 shape).

use sea_orm::entity::prelude::*;

/// A row of `signatures`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signatures")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The kind of record signed, e.g. FaiReport.
    pub record_type: String,
    /// The record signed.
    pub record_id: Uuid,
    /// The signer's organization.
    pub organization_id: Uuid,
    /// The signer.
    pub signer_id: Uuid,
    /// The signer's printed name at signing.
    pub printed_name: String,
    /// The signer's e-mail at signing.
    pub email: String,
    /// REVIEWED, APPROVED or REJECTED.
    pub meaning: String,
    /// The reason given.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// SHA-256 of the record's canonical content at signing.
    pub content_hash: String,
    /// When.
    pub signed_at: DateTimeUtc,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
