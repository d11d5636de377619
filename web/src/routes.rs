//! One module per page.

pub mod box_station;
pub mod builds;
pub mod compare;
pub mod fai;
pub mod floor;
pub mod holds;
pub mod home;
pub mod inbox;
pub mod lots;
pub mod materials;
pub mod package;
pub mod packages;
pub mod plan;
pub mod products;
pub mod quality;
pub mod ship;
pub mod shipment;
pub mod sign_in;
pub mod station;
pub mod supply;
pub mod trace;
pub mod trace_boxes;
pub mod unit;
pub mod unit_tree;
