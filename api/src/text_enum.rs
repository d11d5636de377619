//! Closed sets stored as text: reading their stored spelling, and the GraphQL enum macro still used where a set has not moved to `firstpass_shared::domain` yet.

/// Declares a GraphQL enum whose variants are stored as the given text, with `as_str` and a
/// `parse` that turns an unknown stored spelling into an internal error.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a stored spelling.
            pub fn parse(text: &str) -> $crate::error::ApiResult<Self> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::ApiError::internal(anyhow::anyhow!("unknown {} `{other}`", stringify!($name)))),
                }
            }
        }
    };
}

/// Reads a stored spelling of one of the closed sets of `firstpass_shared::domain`; text that
/// names no member is a fault of the database, not of the caller, so it is an internal error.
pub fn stored<T>(text: &str) -> crate::error::ApiResult<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse::<T>().map_err(crate::error::ApiError::internal)
}
