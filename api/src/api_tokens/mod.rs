//! API tokens: credentials integrations (ERP, MES, test stations) use for their organization.

pub mod resolver;
pub mod selection;
pub mod service;
