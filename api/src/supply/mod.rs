//! Material supply of the EMS: purchase orders and their receipts (each receipt becomes a
//! lot), alternate parts the OEM approves per BOM part, attrition per part class, who supplies
//! each part of a build, and clear-to-build.
//!
//! Clear-to-build ([`service::picture`]) looks at every open build of one EMS at once: each
//! BOM line needs placements × units plus attrition, less what lot usage shows was already
//! placed; the EMS's stock (received lots less their usage) and its open purchase order lines
//! are shared among the builds earliest due first (the arithmetic is
//! [`firstpass_shared::supply::allocate`]), counting the BOM's own MPN and the alternates the
//! OEM approved for that package. A line short now is clear on the promised date of the last
//! order line it waits for, or never when nothing is ordered.

pub mod model;
pub mod resolver;
pub mod service;
