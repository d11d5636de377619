//! First-article inspection: AS9102-shaped reports of one unit, their characteristics and
//! evidence, electronic signatures by both sides, exports, and the production gate.

pub mod content;
pub mod export;
pub mod model;
pub mod resolver;
pub mod service;
