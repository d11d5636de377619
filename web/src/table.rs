//! What every list shares: natural order (R9 before R19), a sort state with clickable column
//! headers, and text search.

use std::cmp::Ordering;

use leptos::prelude::*;

/// Compares texts the way people count: runs of digits by their value, the rest without
/// regard to letter case, so `R9` < `R19` < `R20` and `c2` < `C10`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(c);
                        it.next();
                    }
                    digits
                };
                let (da, db) = (take(&mut a), take(&mut b));
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let order = ta
                    .len()
                    .cmp(&tb.len())
                    .then_with(|| ta.cmp(tb))
                    .then_with(|| da.len().cmp(&db.len()));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(x), Some(y)) => {
                let order = x.to_lowercase().cmp(y.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                a.next();
                b.next();
            }
        }
    }
}

/// Whether any of the texts contains every word of the query (case-insensitive).
pub fn matches(query: &str, texts: &[&str]) -> bool {
    let haystack = texts.join(" ").to_lowercase();
    query
        .split_whitespace()
        .all(|word| haystack.contains(&word.to_lowercase()))
}

/// Which column a list is sorted by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The column's index.
    pub column: usize,
    /// Ascending when true.
    pub ascending: bool,
}

impl Sort {
    /// No column chosen: the rows stay in the order the server sent them.
    pub const NONE: Sort = Sort {
        column: usize::MAX,
        ascending: true,
    };

    /// Sorts `rows` by the chosen column, `key` comparing two rows in that column ascending;
    /// leaves them as they are when no column is chosen.
    pub fn rows<T>(self, rows: &mut [T], key: impl Fn(usize, &T, &T) -> Ordering) {
        if self != Sort::NONE {
            rows.sort_by(|a, b| self.apply(key(self.column, a, b)));
        }
    }

    /// A copy of `rows` sorted as [`Sort::rows`] does.
    pub fn sorted<T: Clone>(self, rows: &[T], key: impl Fn(usize, &T, &T) -> Ordering) -> Vec<T> {
        let mut rows = rows.to_vec();
        self.rows(&mut rows, key);
        rows
    }

    /// Applies the direction to an ascending comparison.
    pub fn apply(self, order: Ordering) -> Ordering {
        if self.ascending {
            order
        } else {
            order.reverse()
        }
    }
}

/// A column header that sorts by its column (again: the other way), announcing the order.
#[component]
pub fn SortHeader(
    /// The header text.
    title: &'static str,
    /// The column's index.
    column: usize,
    /// The list's sort state.
    sort: RwSignal<Sort>,
) -> impl IntoView {
    let state = move || {
        let s = sort.get();
        match (s.column == column, s.ascending) {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        }
    };
    view! {
        <th scope="col" aria-sort=state>
            <button
                type="button"
                class="sort"
                data-column=column
                on:click=move |_| sort.update(|s| {
                    if s.column == column {
                        s.ascending = !s.ascending;
                    } else {
                        *s = Sort { column, ascending: true };
                    }
                })
            >
                {title}
                <span class="sort-mark" aria-hidden="true">
                    {move || match state() {
                        "ascending" => " ▲",
                        "descending" => " ▼",
                        _ => " ↕",
                    }}
                </span>
            </button>
        </th>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designators_sort_as_people_count() {
        let mut d = vec!["R19", "R20", "R9", "C10", "c2", "R100", "U1", "R09"];
        d.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(d, ["c2", "C10", "R9", "R09", "R19", "R20", "R100", "U1"]);
    }

    #[test]
    fn rows_keep_the_server_order_until_a_column_is_chosen() {
        let by_text = |_: usize, a: &&str, b: &&str| natural_cmp(a, b);
        let mut rows = ["R20", "R9", "R100"];
        Sort::NONE.rows(&mut rows, by_text);
        assert_eq!(rows, ["R20", "R9", "R100"]);
        let descending = Sort {
            column: 0,
            ascending: false,
        };
        descending.rows(&mut rows, by_text);
        assert_eq!(rows, ["R100", "R20", "R9"]);
        assert_eq!(Sort::NONE.sorted(&["R9", "R10"], by_text), ["R9", "R10"]);
        assert_eq!(descending.sorted(&["R9", "R10"], by_text), ["R10", "R9"]);
    }

    #[test]
    fn search_needs_every_word() {
        assert!(matches("murata 100n", &["GRM188", "Murata", "100nF"]));
        assert!(!matches("murata 10u", &["GRM188", "Murata", "100nF"]));
        assert!(matches("", &["anything"]));
    }
}

/// A search box for a list searched on the server: the search is applied when Enter is pressed
/// or the field is left (or cleared), not on every keystroke.
#[component]
pub fn ServerSearch(
    /// The input's id.
    id: &'static str,
    /// What may be searched for.
    placeholder: &'static str,
    /// The search applied to the list.
    applied: RwSignal<String>,
) -> impl IntoView {
    let typed = RwSignal::new(applied.get_untracked());
    let apply = move || {
        let text = typed.get_untracked().trim().to_owned();
        if applied.get_untracked() != text {
            applied.set(text);
        }
    };
    view! {
        <div class="field inline">
            <label for=id>"Search"</label>
            <input id=id type="search" placeholder=placeholder bind:value=typed
                on:change=move |_| apply()
                on:search=move |_: web_sys::Event| apply()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { apply() } />
        </div>
    }
}
