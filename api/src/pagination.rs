//! Relay-style paging helpers: bounded `first`, opaque cursors over time-ordered UUIDv7 ids.

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use uuid::Uuid;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;

/// Validates `first`: 1..=100, default 20.
pub fn clamp_first(first: Option<i32>) -> ApiResult<u64> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => Ok(n as u64),
        Some(n) => Err(ApiError::bad_input(format!(
            "first must be between 1 and {MAX_PAGE}, not {n}"
        ))),
    }
}

/// An opaque cursor for a row id.
pub fn encode_cursor(id: Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> ApiResult<Uuid> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| ApiError::bad_input("the cursor is not valid"))
}

/// Where a page stands in the whole list.
#[derive(async_graphql::SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether rows follow this page: ask again with `after: endCursor`.
    pub has_next_page: bool,
    /// Whether rows come before this page (true whenever `after` was given).
    pub has_previous_page: bool,
    /// Cursor of the first row of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last row of this page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Cuts a result fetched with `limit + 1` rows into a page: the rows kept, with their cursors,
/// and the page info.
pub fn page<T>(
    mut rows: Vec<T>,
    limit: u64,
    after_given: bool,
    id: impl Fn(&T) -> Uuid,
) -> (PageInfo, Vec<(String, T)>) {
    let has_next_page = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let edges: Vec<(String, T)> = rows
        .into_iter()
        .map(|row| (encode_cursor(id(&row)), row))
        .collect();
    let info = PageInfo {
        has_next_page,
        has_previous_page: after_given,
        start_cursor: edges.first().map(|(c, _)| c.clone()),
        end_cursor: edges.last().map(|(c, _)| c.clone()),
    };
    (info, edges)
}

/// Declares a Relay connection type and its edge type for a node type, both documented.
#[macro_export]
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $noun:literal) => {
        #[doc = concat!("A page of ", $noun, ", newest first.")]
        #[derive(async_graphql::SimpleObject, Debug, Clone)]
        pub struct $connection {
            /// Where this page stands in the whole list.
            pub page_info: $crate::pagination::PageInfo,
            /// The rows of this page, each with its cursor.
            pub edges: Vec<$edge>,
        }

        #[doc = concat!("One of ", $noun, ", with its cursor.")]
        #[derive(async_graphql::SimpleObject, Debug, Clone)]
        pub struct $edge {
            /// Opaque position of this row; pass it as `after` to continue from here.
            pub cursor: String,
            /// The row.
            pub node: $node,
        }

        impl $connection {
            /// Builds the connection from a page cut by [`$crate::pagination::page`].
            pub fn new(info: $crate::pagination::PageInfo, edges: Vec<(String, $node)>) -> Self {
                Self {
                    page_info: info,
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                }
            }
        }
    };
}
