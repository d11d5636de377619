//! One module per page.

pub mod home;
pub mod sign_in;
