//! sea-orm entities: one module per table, plain rows with no behaviour.
//!
//! Enumerations are stored as their stable text spelling (see `firstpass_shared::domain`);
//! services convert at the boundary.

pub mod api_token;
pub mod audit_event;
pub mod box_bom_line;
pub mod build;
pub mod build_station;
pub mod cfx_endpoint;
pub mod cfx_message;
pub mod component_lot;
pub mod defect;
pub mod fai_characteristic;
pub mod fai_evidence;
pub mod fai_report;
pub mod lot_usage;
pub mod npi_package;
pub mod organization;
pub mod outbox_event;
pub mod package_analysis;
pub mod package_comment;
pub mod package_file;
pub mod package_standard;
pub mod partnership;
pub mod product;
pub mod recall_campaign;
pub mod recall_campaign_unit;
pub mod refresh_token;
pub mod review;
pub mod revision_effectivity;
pub mod shipment;
pub mod shipment_delivery;
pub mod signature;
pub mod station_event;
pub mod submission;
pub mod test_step;
pub mod unit;
pub mod unit_identity;
pub mod unit_installation;
pub mod unit_mac_address;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
