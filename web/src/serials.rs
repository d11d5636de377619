//! Serial patterns as the server expands them (`serializeUnits`): `{YYYY}`, `{YY}`, `{WW}`
//! (ISO week) and `{SEQ:n}` (the unit's sequence in the build, n digits). Mirrors
//! `expand_pattern` in `api/src/builds/service.rs` so the planning page can preview the first
//! and last serials before anything is created; the server stays the judge.

/// A calendar date (UTC, as the server takes "today").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl Date {
    /// Today in UTC, from the browser's clock.
    pub fn today_utc() -> Date {
        let now = js_sys::Date::new_0();
        Date {
            year: now.get_utc_full_year() as i32,
            month: now.get_utc_month() + 1,
            day: now.get_utc_date(),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Day of the year, 1-based.
fn ordinal(date: Date) -> u32 {
    const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = u32::from(date.month > 2 && is_leap(date.year));
    BEFORE[(date.month.clamp(1, 12) - 1) as usize] + date.day + leap
}

/// ISO weekday: Monday 1 … Sunday 7 (Sakamoto's method).
fn weekday(date: Date) -> u32 {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let m = date.month.clamp(1, 12) as i32;
    let y = if m < 3 { date.year - 1 } else { date.year };
    let sunday0 =
        (y + y / 4 - y / 100 + y / 400 + T[(m - 1) as usize] + date.day as i32).rem_euclid(7);
    if sunday0 == 0 {
        7
    } else {
        sunday0 as u32
    }
}

/// ISO weeks in a year: 53 when it starts on a Thursday, or on a Wednesday in a leap year.
fn weeks_in(year: i32) -> u32 {
    let jan1 = weekday(Date {
        year,
        month: 1,
        day: 1,
    });
    if jan1 == 4 || (jan1 == 3 && is_leap(year)) {
        53
    } else {
        52
    }
}

/// The ISO week number (1–53) of a date, as `chrono`'s `iso_week().week()`.
pub fn iso_week(date: Date) -> u32 {
    let week = (ordinal(date) as i32 - weekday(date) as i32 + 10) / 7;
    if week < 1 {
        weeks_in(date.year - 1)
    } else if week as u32 > weeks_in(date.year) {
        1
    } else {
        week as u32
    }
}

/// The serial `pattern` gives for `sequence` on `today`, or why the server would refuse it
/// (the same rules and, nearly, the same words).
pub fn expand(pattern: &str, today: Date, sequence: u64) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut has_sequence = false;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err("the pattern has an unclosed `{`".to_owned());
        };
        let token = &rest[start + 1..start + end];
        match token {
            "YYYY" => out.push_str(&format!("{:04}", today.year)),
            "YY" => out.push_str(&format!("{:02}", today.year % 100)),
            "WW" => out.push_str(&format!("{:02}", iso_week(today))),
            _ if token.starts_with("SEQ") => {
                let width: usize = match token.strip_prefix("SEQ:") {
                    Some(w) => w
                        .parse()
                        .ok()
                        .filter(|w| (1..=12).contains(w))
                        .ok_or_else(|| "{SEQ:n} needs n from 1 to 12".to_owned())?,
                    None if token == "SEQ" => 1,
                    None => return Err(format!("unknown pattern token {{{token}}}")),
                };
                out.push_str(&format!("{sequence:0width$}"));
                has_sequence = true;
            }
            _ => {
                return Err(format!(
                    "unknown pattern token {{{token}}}; use YYYY, YY, WW or SEQ:n"
                ))
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    if !has_sequence {
        return Err("the pattern needs a {SEQ:n} token so that serials differ".to_owned());
    }
    Ok(out)
}

/// Parses `YYYY-MM-DD`.
#[cfg(test)]
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts
        .next()?
        .parse()
        .ok()
        .filter(|m| (1..=12).contains(m))?;
    let day = parts
        .next()?
        .parse()
        .ok()
        .filter(|d| (1..=31).contains(d))?;
    Some(Date { year, month, day })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        parse_date(text).expect("a date")
    }

    #[test]
    fn iso_weeks_match_the_calendar() {
        // Known ISO weeks, including the year edges.
        assert_eq!(iso_week(d("2024-01-01")), 1);
        assert_eq!(iso_week(d("2024-12-30")), 1);
        assert_eq!(iso_week(d("2021-01-03")), 53);
        assert_eq!(iso_week(d("2020-12-31")), 53);
        assert_eq!(iso_week(d("2023-01-01")), 52);
        assert_eq!(iso_week(d("2025-06-15")), 24);
        assert_eq!(iso_week(d("2026-03-02")), 10);
    }

    #[test]
    fn patterns_expand_as_the_server_does() {
        let today = d("2025-06-15");
        assert_eq!(
            expand("GW-{YYYY}{WW}-{SEQ:6}", today, 7).as_deref(),
            Ok("GW-202524-000007")
        );
        assert_eq!(expand("X{YY}-{SEQ}", today, 12).as_deref(), Ok("X25-12"));
        assert!(expand("NO-SEQ-{YYYY}", today, 1).is_err());
        assert!(expand("BAD-{SEQ:0}", today, 1).is_err());
        assert!(expand("BAD-{FOO}-{SEQ:2}", today, 1).is_err());
        assert!(expand("OPEN-{SEQ:2", today, 1).is_err());
    }
}
