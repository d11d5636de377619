//! One module per page.

pub mod home;
pub mod package;
pub mod packages;
pub mod products;
pub mod sign_in;
