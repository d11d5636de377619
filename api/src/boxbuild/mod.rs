//! Box build: top-level assemblies made of other units. A package states a class per IPC
//! standard and, for a BOX_BUILD product, its own BOM (sub-assemblies, bought items,
//! firmware); units are installed into units and removed again with history kept; units carry
//! identities (firmware, IMEI, ICCID, MAC); traces climb from a lot to the boxes customers hold,
//! and recalls count and follow them.

pub mod fai;
pub mod levels;
pub mod model;
pub mod recall;
pub mod resolver;
pub mod service;
