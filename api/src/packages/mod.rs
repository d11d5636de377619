//! NPI packages: products, package revisions, their files, the analysis of those files, and the
//! review workflow between the OEM and its EMS.

pub mod analysis;
pub mod compare;
pub mod files_http;
pub mod model;
pub mod resolver;
pub mod service;
pub mod sweep;
pub mod upload;
