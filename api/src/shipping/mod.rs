//! Shipping: the OEM's ship-to addresses (its 3PL's docks), shipments packed in cartons on
//! pallets, and the advance ship notice (ASN, JSON and CSV) written from what was packed, so
//! the receiver can check each carton against it without typing a serial.

pub mod resolver;
pub mod service;
