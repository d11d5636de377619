//! Small pieces every page uses: words for the closed sets, sizes and dates, status badges,
//! error and loading lines.

use firstpass_shared::cad::{LayerFunction, Severity};
use firstpass_shared::domain::{IpcClass, PackageStatus};
use leptos::prelude::*;

use crate::api::ApiError;

/// A package status as people say it.
pub fn status_label(status: PackageStatus) -> &'static str {
    match status {
        PackageStatus::Draft => "Draft",
        PackageStatus::Submitted => "Submitted",
        PackageStatus::InReview => "In review",
        PackageStatus::ChangesRequested => "Changes requested",
        PackageStatus::Accepted => "Accepted",
        PackageStatus::Superseded => "Superseded",
    }
}

/// An IPC class as people say it.
pub fn ipc_label(class: IpcClass) -> &'static str {
    match class {
        IpcClass::Class1 => "Class 1",
        IpcClass::Class2 => "Class 2",
        IpcClass::Class3 => "Class 3",
    }
}

/// A layer function as people say it.
pub fn layer_label(function: LayerFunction) -> &'static str {
    match function {
        LayerFunction::CopperTop => "Top copper",
        LayerFunction::CopperInner => "Inner copper",
        LayerFunction::CopperBottom => "Bottom copper",
        LayerFunction::SoldermaskTop => "Top solder mask",
        LayerFunction::SoldermaskBottom => "Bottom solder mask",
        LayerFunction::SilkscreenTop => "Top silkscreen",
        LayerFunction::SilkscreenBottom => "Bottom silkscreen",
        LayerFunction::PasteTop => "Top paste",
        LayerFunction::PasteBottom => "Bottom paste",
        LayerFunction::Outline => "Board outline",
        LayerFunction::DrillPlated => "Plated drill",
        LayerFunction::DrillNonPlated => "Non-plated drill",
        LayerFunction::Drawing => "Drawing",
        LayerFunction::Other => "Other",
        LayerFunction::Unknown => "Unknown",
    }
}

/// A severity as people say it.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    }
}

/// Bytes as KB/MB with one decimal.
pub fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b < 1000.0 {
        format!("{bytes} B")
    } else if b < 1_000_000.0 {
        format!("{:.1} kB", b / 1000.0)
    } else {
        format!("{:.1} MB", b / 1_000_000.0)
    }
}

/// An RFC 3339 time in the viewer's time zone with its UTC offset, to the minute
/// (see [`crate::words::time`]).
pub fn short_time(rfc3339: &str) -> String {
    crate::words::time(rfc3339)
}

/// The status of a package as a coloured word.
#[component]
pub fn StatusBadge(status: PackageStatus) -> impl IntoView {
    view! {
        <span class=format!("badge status status-{}", status.as_str().to_ascii_lowercase()) data-status=status.as_str()>
            {status_label(status)}
        </span>
    }
}

/// An error in words, announced to screen readers.
#[component]
pub fn ErrorLine(error: ApiError) -> impl IntoView {
    view! {
        <p role="alert" class="alert">
            {error.user_message()}
        </p>
    }
}

/// The line shown while something loads.
#[component]
pub fn Loading(#[prop(default = "Loading…")] text: &'static str) -> impl IntoView {
    view! {
        <p class="muted" aria-busy="true">
            {text}
        </p>
    }
}

/// The wire spelling of a generated enum value (`IN_PROGRESS`), or `?` if it has none.
pub fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// A generated enum value from its wire spelling; `None` for empty text (the generated enums
/// would take any text as their catch-all variant).
pub fn from_wire<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    if text.is_empty() {
        return None;
    }
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// `IN_PROGRESS` as people say it: "In progress" (`EMS_APPROVED`: "EMS approved"); see
/// [`crate::words`].
pub fn humanize(wire: &str) -> String {
    crate::words::humanize(wire)
}

/// A generated enum value as people say it.
pub fn label<T: serde::Serialize>(value: &T) -> String {
    crate::words::label(value)
}

/// A fraction (0.0–1.0) as a percentage with one decimal, or a dash when unknown.
pub fn percent(fraction: Option<f64>) -> String {
    fraction.map_or_else(|| "—".to_owned(), |f| format!("{:.1} %", f * 100.0))
}

/// A coloured word for a generated status enum (`data-status` carries the wire spelling).
#[component]
pub fn WireBadge(status: String) -> impl IntoView {
    view! {
        <span class=format!("badge status status-{}", status.to_ascii_lowercase()) data-status=status.clone()>
            {humanize(&status)}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::{humanize, percent};

    #[test]
    fn wire_names_read_as_words() {
        assert_eq!(humanize("IN_PROGRESS"), "In progress");
        assert_eq!(humanize("EMS_APPROVED"), "EMS approved");
        assert_eq!(humanize(""), "");
        assert_eq!(percent(Some(0.9876)), "98.8 %");
        assert_eq!(percent(None), "—");
    }
}
