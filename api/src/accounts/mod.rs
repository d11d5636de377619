//! Accounts: organizations, partnerships, users, sessions and passwords.

pub mod cookie;
pub mod model;
pub mod resolver;
pub mod service;
