//! Shipping: the OEM's ship-to addresses (its 3PL's docks), shipments packed in cartons on
//! pallets, and the advance ship notice (ASN, JSON and CSV) written from what was packed, so
//! the receiver can check each carton against it without typing a serial; and the certificate
//! of conformance EMS quality signs for each shipment.

pub mod certificate;
pub mod export;
pub mod resolver;
pub mod service;
