//! Closed sets stored as text: a GraphQL enum with its stable spelling, declared once.

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
