//! Builds: work orders on accepted packages, serialized units moving through their routing,
//! station results, defects, shipments, component lots and the genealogy that traces them.

pub mod bulk;
pub mod events;
pub mod metrics;
pub mod model;
pub mod resolver;
pub mod service;
pub mod test_steps;
pub mod trace;
