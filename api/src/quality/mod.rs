//! Quality: nonconformance reports (NCRs) of the EMS, shared with the customer.
//!
//! EMS quality opens an NCR over defects, units and lots of one customer's product (or over
//! lots alone, a supplier nonconformance). Its items are contained at once: no station result,
//! lot usage or shipment touches a contained unit or lot ([`service::refuse_contained_units`],
//! [`service::refuse_contained_lot`]). Each item gets a disposition with a reason; REPAIR and
//! USE_AS_IS of a customer's product wait for the customer's material review, an electronic
//! signature of an OEM engineer like the FAI's, before the item is released. An NCR closes
//! when every item is dispositioned and no review is pending.
//!
//! An NCR escalates to a corrective action (CAPA), or the OEM raises one against its EMS; it is
//! worked as an 8D and closes once shown effective by station results ([`capa`]).

pub mod capa;
pub mod metrics;
pub mod model;
pub mod resolver;
pub mod service;
