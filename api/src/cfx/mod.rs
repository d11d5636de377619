//! IPC-CFX (IPC-2591): machine messages from the factory floor, received by `POST /cfx`.
//!
//! A message is a JSON envelope (`MessageName`, `UniqueID`, `Source`, `MessageBody`, …). The EMS
//! maps each endpoint handle (`Source`) to a station of its routings and to the API token the
//! endpoint sends with ([`service::map_endpoint`]). Each message is applied once per `UniqueID`:
//! a repeat answers the first outcome. A message that cannot be applied (an unknown serial, a
//! unit not due at that station, a PASS outside its limits, a message kind Firstpass does not
//! apply) is kept as a dead letter with the reason; the EMS sees the list, may correct the
//! message and replays it.
//!
//! Applied today: `UnitsTested` (each tested unit's overall result at the mapped station, its
//! tests and measurements as typed test steps); `WorkStarted` and `WorkCompleted` are
//! acknowledged (a unit's progress is recorded by its results).

pub mod http;
pub mod message;
pub mod resolver;
pub mod service;
