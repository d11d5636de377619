//! The Firstpass server: a GraphQL API over SQLite or PostgreSQL for OEMs and their EMS
//! contract manufacturers.
//!
//! Layout: one folder per capability (`accounts`, `api_tokens`, `audit`), each with its
//! resolvers and its service; `schema` merges them; `tenancy` decides who sees which rows;
//! `error` is the one error policy; `http` is the web surface; `cli` the command line.

pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod boxbuild;
pub mod builds;
pub mod cfx;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod fai;
pub mod guard;
pub mod http;
pub mod ids;
pub mod inbox;
pub mod loaders;
pub mod maintenance;
pub mod outbox;
pub mod packages;
pub mod pagination;
pub mod pdf;
pub mod policy;
pub mod quality;
pub mod schema;
pub mod search;
pub mod server;
pub mod shipping;
pub mod signing;
pub mod supply;
pub mod tenancy;
pub mod web_assets;
pub mod webhooks;
