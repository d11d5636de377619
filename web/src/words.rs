//! The one place that turns what the API says into what a person reads: every closed set's
//! wire spelling in words ("Pilot", "Class 2", "New part"), counts with the right plural
//! ("1 warning"), and times in the viewer's own time zone with its UTC offset, to the minute.

pub use firstpass_shared::words::{count, humanize, measurement_rows};

/// A generated enum value (`PILOT`) as people say it ("Pilot").
pub fn label<T: serde::Serialize>(value: &T) -> String {
    humanize(&crate::ui::wire(value))
}

/// `+01:00` for an offset of 60 minutes east of UTC.
fn offset_text(minutes_east: i32) -> String {
    let sign = if minutes_east < 0 { '-' } else { '+' };
    let m = minutes_east.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// The parts of a time in the viewer's time zone: date, hour and minute, and the offset east
/// of UTC in minutes. `None` when the text is no time.
#[cfg(target_arch = "wasm32")]
fn local_parts(rfc3339: &str) -> Option<(i32, u32, u32, u32, u32, i32)> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    let millis = date.get_time();
    if millis.is_nan() {
        return None;
    }
    Some((
        date.get_full_year() as i32,
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        // getTimezoneOffset is minutes *behind* UTC.
        -(date.get_timezone_offset() as i32),
    ))
}

/// Outside the browser (unit tests) the viewer is in UTC.
#[cfg(not(target_arch = "wasm32"))]
fn local_parts(rfc3339: &str) -> Option<(i32, u32, u32, u32, u32, i32)> {
    let (date, time) = rfc3339.split_once(['T', ' '])?;
    let mut d = date.split('-').map(str::parse::<u32>);
    let (y, mo, da) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time
        .split(':')
        .map(|p| p.get(..2).and_then(|p| p.parse::<u32>().ok()));
    Some((y as i32, mo, da, t.next()??, t.next()??, 0))
}

/// An RFC 3339 time in the viewer's time zone, to the minute, with its offset:
/// `2026-12-01 14:04 UTC+01:00`. A plain date stays a date; text that is no time is shown
/// as it is.
pub fn time(rfc3339: &str) -> String {
    if rfc3339.len() <= 10 {
        return rfc3339.to_owned();
    }
    match local_parts(rfc3339) {
        Some((y, mo, d, h, mi, offset)) => {
            format!(
                "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} {}",
                offset_text(offset)
            )
        }
        None => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_drop_seconds_and_say_their_offset() {
        assert_eq!(
            time("2026-12-01T13:04:20.123456789Z"),
            "2026-12-01 13:04 UTC+00:00"
        );
        assert_eq!(time("2026-12-01"), "2026-12-01");
        assert_eq!(offset_text(-330), "UTC-05:30");
        assert_eq!(offset_text(60), "UTC+01:00");
    }

    #[test]
    fn words_for_the_closed_sets() {
        assert_eq!(humanize("PILOT"), "Pilot");
        assert_eq!(humanize("CLASS_3"), "Class 3");
        assert_eq!(count(1, "warning", "warnings"), "1 warning");
    }
}
