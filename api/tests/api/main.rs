//! API tests: a real server over a real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`), driven over real HTTP. One binary, so the harness is built once.

mod auth;
mod boxbuild;
mod builds;
mod cfx;
mod concurrency;
mod fai;
mod harness;
mod inbox;
mod ipc2581;
mod package_storage;
mod packages;
mod quality;
mod request_path;
mod revisions;
mod schema;
mod shipping;
mod supply;
mod tenancy;
mod test_steps;
mod tokens_audit;
mod typed_input;
mod web_assets;
mod webhooks;
