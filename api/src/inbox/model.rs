//! GraphQL types of the inbox.

use async_graphql::{Enum, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// What an inbox entry is about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InboxKind {
    /// A package submitted to the reader's EMS waits for review.
    PackageToReview,
    /// The partner asked or remarked something on a package of the reader's organization.
    Question,
    /// The EMS accepted one of the reader's organization's packages.
    PackageAccepted,
    /// A first-article report waits for the reader's signature.
    FaiToSign,
    /// A unit is on hold and needs a disposition.
    UnitOnHold,
    /// A build is past its due date and not finished.
    BuildLate,
    /// An open build's parts will not all be there by its due date (a supplier's promise, or
    /// no supply at all).
    MaterialLate,
    /// Dispositions of the reader's product wait for their signed material review.
    NcrToReview,
    /// A signed step of an open corrective action is past its due date.
    CapaStepOverdue,
}

/// One thing that waits for the reader.
#[derive(SimpleObject, Clone, Debug)]
pub struct InboxEntry {
    /// The entry's stable key (give it to `markInboxRead`); it changes when the matter needs
    /// attention again, e.g. a package submitted anew.
    pub id: ID,
    /// What it is about.
    pub kind: InboxKind,
    /// One line saying what waits.
    pub title: String,
    /// More words: who, which part, how late.
    pub detail: String,
    /// The web app's page for it (`/packages/{id}`, `/fai/{id}`, `/holds`, `/builds/{id}`).
    pub link: String,
    /// When the matter arose.
    pub at: DateTime<Utc>,
    /// Whether the reader has marked it read.
    pub read: bool,
}

/// A person's inbox.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct Inbox {
    /// How many entries are unread.
    pub unread: i32,
    /// The entries, newest first (at most `first`).
    pub entries: Vec<InboxEntry>,
}

impl PartialEq for InboxEntry {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.read == other.read && self.title == other.title
    }
}
