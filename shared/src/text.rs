//! Rules for text that people and machines send: what characters a string may hold, and the
//! validated identifiers (serials, part numbers, designators, lot codes, names) built on them.
//!
//! Free text (comments, descriptions) may hold tabs and line breaks but no other control
//! character; identifiers are one line of printable characters, trimmed, of bounded length.
//! Both databases then store exactly what the user meant: PostgreSQL cannot store U+0000 at
//! all, and SQLite would keep it invisibly.

use std::fmt;

/// The first character of `text` that free text may not hold: U+0000–U+001F except tab, line
/// feed and carriage return, DEL, and the C1 controls U+0080–U+009F.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// A sentence naming the forbidden character found in `text`, for an error message.
pub fn check_free_text(what: &str, text: &str) -> Result<(), String> {
    match forbidden_char(text) {
        Some(c) => Err(format!(
            "{what} contains the control character U+{:04X}, which is not allowed",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

/// What kind of identifier a string is meant to be; sets its length limit and its name in
/// error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierKind {
    /// A unit's serial number.
    Serial,
    /// A manufacturer part number.
    Mpn,
    /// A reference designator (`R12`, `U3`).
    Designator,
    /// A manufacturer's lot or date code.
    LotCode,
    /// A display name: a product, an organization, a person, a token, a station.
    Name,
}

impl IdentifierKind {
    /// The longest value accepted, in characters.
    pub fn max_chars(self) -> usize {
        match self {
            IdentifierKind::Serial | IdentifierKind::LotCode => 64,
            IdentifierKind::Designator => 32,
            IdentifierKind::Mpn => 100,
            IdentifierKind::Name => 200,
        }
    }

    /// How the kind is called in error messages.
    pub fn noun(self) -> &'static str {
        match self {
            IdentifierKind::Serial => "serial number",
            IdentifierKind::Mpn => "part number",
            IdentifierKind::Designator => "designator",
            IdentifierKind::LotCode => "lot code",
            IdentifierKind::Name => "name",
        }
    }
}

/// Why a string is not a valid identifier; `Display` is the sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifierError {
    /// Nothing but white space.
    Empty(IdentifierKind),
    /// Longer than [`IdentifierKind::max_chars`].
    TooLong(IdentifierKind, usize),
    /// Holds a control character (line breaks and tabs included).
    ControlChar(IdentifierKind, char),
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentifierError::Empty(kind) => write!(f, "the {} must not be empty", kind.noun()),
            IdentifierError::TooLong(kind, chars) => write!(
                f,
                "the {} must have at most {} characters (it has {chars})",
                kind.noun(),
                kind.max_chars()
            ),
            IdentifierError::ControlChar(kind, c) => write!(
                f,
                "the {} contains the control character U+{:04X}, which is not allowed",
                kind.noun(),
                u32::from(*c)
            ),
        }
    }
}

impl std::error::Error for IdentifierError {}

/// Checks and trims an identifier of the given kind.
pub fn identifier(kind: IdentifierKind, raw: &str) -> Result<String, IdentifierError> {
    if let Some(c) = raw.chars().find(|c| c.is_control()) {
        return Err(IdentifierError::ControlChar(kind, c));
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::Empty(kind));
    }
    let chars = trimmed.chars().count();
    if chars > kind.max_chars() {
        return Err(IdentifierError::TooLong(kind, chars));
    }
    Ok(trimmed.to_owned())
}

macro_rules! identifier_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates and trims `raw`.
            pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
                identifier($kind, raw).map(Self)
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The validated text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

identifier_type!(
    /// A unit's serial number: one printable line of at most 64 characters.
    Serial,
    IdentifierKind::Serial
);
identifier_type!(
    /// A manufacturer part number: one printable line of at most 100 characters.
    Mpn,
    IdentifierKind::Mpn
);
identifier_type!(
    /// A reference designator: one printable line of at most 32 characters.
    Designator,
    IdentifierKind::Designator
);
identifier_type!(
    /// A lot or date code: one printable line of at most 64 characters.
    LotCode,
    IdentifierKind::LotCode
);
identifier_type!(
    /// A display name: one printable line of at most 200 characters.
    DisplayName,
    IdentifierKind::Name
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_allows_line_breaks_but_no_other_controls() {
        assert_eq!(forbidden_char("two\nlines\tand\r\n"), None);
        assert_eq!(forbidden_char("nul\0"), Some('\0'));
        assert_eq!(forbidden_char("bell\u{7}"), Some('\u{7}'));
        assert_eq!(forbidden_char("del\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_char("c1\u{85}"), Some('\u{85}'));
        assert_eq!(forbidden_char("100µF Ω ±5 %"), None);
        assert!(check_free_text("comment", "a\0b")
            .expect_err("refused")
            .contains("U+0000"));
    }

    #[test]
    fn identifiers_are_one_trimmed_printable_line() {
        assert_eq!(
            Serial::parse("  GW-0001 ").expect("valid").as_str(),
            "GW-0001"
        );
        assert_eq!(
            Serial::parse("GW\n0001"),
            Err(IdentifierError::ControlChar(IdentifierKind::Serial, '\n'))
        );
        assert_eq!(
            Mpn::parse("GRM188\0"),
            Err(IdentifierError::ControlChar(IdentifierKind::Mpn, '\0'))
        );
        assert_eq!(
            LotCode::parse("   "),
            Err(IdentifierError::Empty(IdentifierKind::LotCode))
        );
        let long = "R".repeat(33);
        assert_eq!(
            Designator::parse(&long),
            Err(IdentifierError::TooLong(IdentifierKind::Designator, 33))
        );
        assert_eq!(
            DisplayName::parse("Acme Gateway µ")
                .expect("valid")
                .to_string(),
            "Acme Gateway µ"
        );
    }
}
