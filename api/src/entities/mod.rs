//! sea-orm entities: one module per table, plain rows with no behaviour.
//!
//! Enumerations are stored as their stable text spelling (see `firstpass_shared::domain`);
//! services convert at the boundary.

pub mod api_token;
pub mod audit_event;
pub mod organization;
pub mod partnership;
pub mod refresh_token;
pub mod user;
