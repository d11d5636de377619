//! IPC-CFX (IPC-2591): machine messages from the factory floor, received by `POST /cfx` and from
//! an AMQP 1.0 broker.
//!
//! A message is a JSON envelope (`MessageName`, `UniqueID`, `Source`, `MessageBody`, …). The EMS
//! maps each endpoint handle (`Source`) to a station of its routings and to the API token the
//! endpoint sends with ([`service::map_endpoint`]). Each message is applied once per `UniqueID`:
//! a repeat answers the first outcome. A message that cannot be applied (an unknown serial, a
//! unit not due at that station, a PASS outside its limits, a message kind Firstpass does not
//! apply) is kept as a dead letter with the reason; the EMS sees the list, may correct the
//! message and replays it.
//!
//! Messages come by `POST /cfx` (one or an array) and, when configured, from a queue of an AMQP
//! 1.0 broker ([`amqp`]); both take batches in one transaction ([`ingest`]).
//!
//! Applied today: `UnitsTested` (each tested unit's overall result at the mapped station, its
//! tests and measurements as typed test steps); `MaterialsInstalled` (reels on designators as
//! lot usage, checked against the BOM's MPN: [`materials`]); `UnitsInspected` (verdicts as
//! station results, each defect found as a PENDING defect), `UnitsDisqualified` (units
//! scrapped) and `UnitsPersonalized` (identities), all in [`units`]; `WorkStarted` and
//! `WorkCompleted` are acknowledged (a unit's progress is recorded by its results).

pub mod amqp;
pub mod http;
pub mod ingest;
pub mod materials;
pub mod message;
pub mod resolver;
pub mod service;
pub mod units;
