//! Every person's inbox: what waits for them, with read and unread kept per user.
//!
//! Entries are derived from the records each time, through the actor's tenancy
//! ([`crate::tenancy::Actor::select`]), so nobody ever sees an entry about a record they could
//! not open: packages to review (EMS program managers and admins), questions on the other
//! side's packages (comments by the partner), packages accepted (the OEM), FAIs waiting for
//! the reader's signature, units on hold (EMS quality, program managers and admins), builds
//! past their due date and open builds whose material will not be there by then (both sides'
//! planners), NCR dispositions waiting for the customer's review (the OEM) and overdue signed
//! steps of corrective actions (EMS quality). Each entry has a stable key that changes when
//! it needs attention again (a new submission, a new status), and `inbox_reads` records which
//! keys a user has read.
//!
//! `inboxUpdated` (over the GraphQL WebSocket) sends the inbox when it starts and whenever it
//! changes: on every build change and every inbox nudge of this process, and at the latest
//! every few seconds (so changes made on another instance arrive too).

pub mod entity;
pub mod model;
pub mod resolver;
pub mod service;

use std::sync::OnceLock;
use tokio::sync::broadcast;

/// Nudges open `inboxUpdated` subscriptions of this process to look again now.
fn nudges() -> &'static broadcast::Sender<()> {
    static SENDER: OnceLock<broadcast::Sender<()>> = OnceLock::new();
    SENDER.get_or_init(|| broadcast::channel(64).0)
}

/// Tells open inbox subscriptions that something an inbox shows may have changed (call after
/// the change committed).
pub fn nudge() {
    let _ = nudges().send(());
}
