//! GraphQL ids: opaque strings outside, UUIDs inside.

use crate::error::{ApiError, ApiResult};
use async_graphql::ID;
use uuid::Uuid;

/// Parses an id argument. A malformed id names nothing that exists, so it answers
/// `NOT_FOUND` like any other id the caller cannot see.
pub fn parse_id(id: &ID, noun: &'static str) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| ApiError::NotFound(noun))
}
