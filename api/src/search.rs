//! Text search in list filters: every word of the search must appear, case-insensitively, in
//! one of the fields searched; `%` and `_` are taken literally.

use crate::error::{ApiError, ApiResult};
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, SimpleExpr};
use sea_orm::Condition;

/// Most words a search may have.
const MAX_WORDS: usize = 10;
/// Longest a search may be, in characters.
const MAX_CHARS: usize = 200;

/// The LIKE patterns of a search's words, lowercased and escaped; none for a blank search.
pub fn patterns(search: Option<&str>) -> ApiResult<Vec<String>> {
    let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    if search.chars().count() > MAX_CHARS {
        return Err(ApiError::bad_input(format!(
            "search for at most {MAX_CHARS} characters"
        )));
    }
    let words: Vec<&str> = search.split_whitespace().collect();
    if words.len() > MAX_WORDS {
        return Err(ApiError::bad_input(format!(
            "search for at most {MAX_WORDS} words"
        )));
    }
    Ok(words
        .into_iter()
        .map(|word| {
            let mut escaped = String::with_capacity(word.len() + 2);
            escaped.push('%');
            for c in word.to_lowercase().chars() {
                if matches!(c, '%' | '_' | '\\') {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            escaped.push('%');
            escaped
        })
        .collect())
}

/// `lower(column) LIKE pattern`, with `\` escaping.
pub fn like(column: impl IntoColumnRef, pattern: &str) -> SimpleExpr {
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\'))
}

/// Every word's condition holds (true for no words).
pub fn every_word(patterns: &[String], word: impl Fn(&str) -> Condition) -> Condition {
    patterns
        .iter()
        .fold(Condition::all(), |all, pattern| all.add(word(pattern)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_wildcards_taken_literally() {
        assert_eq!(
            patterns(Some("  GW-100 50%_off ")).expect("patterns"),
            ["%gw-100%", "%50\\%\\_off%"]
        );
        assert!(patterns(Some("   ")).expect("blank").is_empty());
        assert!(patterns(None).expect("none").is_empty());
        assert!(patterns(Some(&"w ".repeat(11))).is_err());
    }
}
