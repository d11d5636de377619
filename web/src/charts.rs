//! Charts drawn as inline SVG: horizontal bars (Pareto, yield per station) and a weekly line.
//!
//! No chart library: each chart is a handful of `rect`, `line`, `polyline` and `text`
//! elements in a `viewBox`, so it scales with its box and stays readable at phone width.

use leptos::prelude::*;

/// Width of every chart's coordinate space.
const WIDTH: f64 = 600.0;
/// Room on the left for bar labels.
const LABEL_W: f64 = 170.0;
/// Height of one bar row.
const ROW_H: f64 = 26.0;

/// One bar: its label, its value and the text shown at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What the bar stands for.
    pub label: String,
    /// Its length in the chart's unit.
    pub value: f64,
    /// What is written after the bar.
    pub caption: String,
}

/// Horizontal bars scaled to `max` (the largest value when `None`), with a title for screen
/// readers; `testid` names the chart for tests.
#[component]
pub fn BarChart(
    title: String,
    bars: Vec<Bar>,
    #[prop(optional)] max: Option<f64>,
    testid: &'static str,
) -> impl IntoView {
    if bars.is_empty() {
        return view! { <p class="muted" data-testid=testid>"No data yet."</p> }.into_any();
    }
    let max = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(f64::EPSILON);
    let height = bars.len() as f64 * ROW_H + 8.0;
    let span = WIDTH - LABEL_W - 70.0;
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let y = 4.0 + i as f64 * ROW_H;
            let w = (bar.value / max).clamp(0.0, 1.0) * span;
            view! {
                <g data-testid="bar">
                    <text x=LABEL_W - 8.0 y=y + ROW_H * 0.65 text-anchor="end" class="chart-label">
                        {bar.label}
                    </text>
                    <rect x=LABEL_W y=y + 4.0 width=w.max(1.0) height=ROW_H - 8.0 class="chart-bar" rx="2" />
                    <text x=LABEL_W + w + 6.0 y=y + ROW_H * 0.65 class="chart-value">
                        {bar.caption}
                    </text>
                </g>
            }
        })
        .collect_view();
    let aria = title.clone();
    view! {
        <svg
            class="chart"
            role="img"
            aria-label=aria
            data-testid=testid
            viewBox=format!("0 0 {WIDTH} {height}")
            preserveAspectRatio="xMinYMin meet"
        >
            <title>{title}</title>
            <line x1=LABEL_W y1="0" x2=LABEL_W y2=height class="chart-axis" />
            {rows}
        </svg>
    }
    .into_any()
}

/// One point of a line chart: its label on the x axis and its value (0.0–1.0), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The x-axis label (a week).
    pub label: String,
    /// The value as a fraction; `None` leaves a gap.
    pub value: Option<f64>,
}

/// A line of fractions (0–100 %) over labelled points, e.g. first-pass yield by week.
#[component]
pub fn PercentLine(title: String, points: Vec<Point>, testid: &'static str) -> impl IntoView {
    if points.iter().all(|p| p.value.is_none()) {
        return view! { <p class="muted" data-testid=testid>"No data yet."</p> }.into_any();
    }
    let (left, right, top, bottom) = (44.0, 12.0, 12.0, 40.0);
    let height = 240.0;
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let step = if points.len() > 1 {
        plot_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    let offset = if points.len() > 1 { 0.0 } else { plot_w / 2.0 };
    let x_of = move |i: usize| left + i as f64 * step + offset;
    let y_of = move |v: f64| top + (1.0 - v.clamp(0.0, 1.0)) * plot_h;
    let grid = [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|v| {
            view! {
                <line x1=left x2=WIDTH - right y1=y_of(v) y2=y_of(v) class="chart-grid" />
                <text x=left - 6.0 y=y_of(v) + 4.0 text-anchor="end" class="chart-label">
                    {format!("{:.0}%", v * 100.0)}
                </text>
            }
        })
        .collect_view();
    // Runs of consecutive known values become one polyline each.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => runs
                .last_mut()
                .map(|r| r.push((x_of(i), y_of(v))))
                .unwrap_or(()),
            None => runs.push(Vec::new()),
        }
    }
    let lines = runs
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let pts = r
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            view! { <polyline points=pts class="chart-line" fill="none" /> }
        })
        .collect_view();
    let every = points.len().div_ceil(8).max(1);
    let marks = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let dot = p.value.map(|v| {
                view! {
                    <circle cx=x_of(i) cy=y_of(v) r="3.5" class="chart-dot" data-testid="point">
                        <title>{format!("{}: {:.1} %", p.label, v * 100.0)}</title>
                    </circle>
                }
            });
            let tick = (i % every == 0).then(|| {
                view! {
                    <text x=x_of(i) y=height - bottom + 18.0 text-anchor="middle" class="chart-label">
                        {p.label.clone()}
                    </text>
                }
            });
            view! { {dot} {tick} }
        })
        .collect_view();
    let aria = title.clone();
    view! {
        <svg
            class="chart"
            role="img"
            aria-label=aria
            data-testid=testid
            viewBox=format!("0 0 {WIDTH} {height}")
            preserveAspectRatio="xMinYMin meet"
        >
            <title>{title}</title>
            {grid}
            {lines}
            {marks}
        </svg>
    }
    .into_any()
}
