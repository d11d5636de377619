//! The board viewer: the package's Gerber and drill files, parsed and drawn in the browser by
//! the same shared code the server runs (`analyze_package`, `render::board_svg`/`layer_svg`),
//! in the board module that is loaded when a board is first shown ([`crate::cad`]).
//!
//! The composite views (top, bottom seen from below) and one picture per layer are rendered
//! once per file set ([`Drawing::new`]); each picture is shown as an `<img>` (so the SVG ids of
//! different layers cannot collide) with one shared viewBox, stacked and toggled. Placements
//! from the centroid are drawn over them as an inline SVG; clicking one (or choosing it in the
//! list) selects its designator, whose BOM line shows beside the board. Pan and zoom: drag and
//! wheel with the mouse; `+` `-` arrows `0` on the keyboard. Selecting a part (on the board, in
//! the list or from the BOM) zooms to it and turns to its side.

use std::sync::Arc;

use firstpass_shared::cad::bom::BomLine;
use firstpass_shared::cad::centroid::Placement;
use firstpass_shared::cad::{LayerFunction, Side};
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;

use crate::ui::layer_label;

/// One file of the package, with its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerFile {
    /// File name (zip members keep their folder path).
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// A layer function a person set, which wins over X2 and the file name.
    pub layer_function: Option<LayerFunction>,
}

/// One layer's picture.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerPicture {
    /// The file it was drawn from.
    pub file: String,
    /// Its function.
    pub function: LayerFunction,
    /// The side it belongs to.
    pub side: Side,
    /// `data:` URL of the SVG, in the shared viewBox.
    pub url: String,
}

/// Everything the viewer draws, computed once per file set.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    /// The top composite (`data:` URL), or `None` when nothing could be drawn.
    pub top: Option<String>,
    /// The bottom composite, seen from below.
    pub bottom: Option<String>,
    /// viewBox of the top view (min x, min y, width, height).
    pub view_top: [f64; 4],
    /// viewBox of the bottom view (mirrored in x).
    pub view_bottom: [f64; 4],
    /// One picture per parsed Gerber or drill layer.
    pub layers: Vec<LayerPicture>,
    /// Placements from the centroid files.
    pub placements: Vec<Placement>,
    /// BOM lines.
    pub bom_lines: Vec<BomLine>,
}

/// Reads the `viewBox` of an SVG made by the shared renderer.
pub(crate) fn view_box(svg: &str) -> Option<[f64; 4]> {
    let start = svg.find("viewBox=\"")? + "viewBox=\"".len();
    let end = start + svg[start..].find('"')?;
    let numbers: Vec<f64> = svg[start..end]
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers.as_slice() {
        [x, y, w, h] => Some([*x, *y, *w, *h]),
        _ => None,
    }
}

/// A `viewBox` attribute's text.
pub(crate) fn view_box_text(vb: [f64; 4]) -> String {
    format!("{} {} {} {}", vb[0], vb[1], vb[2], vb[3])
}

/// Replaces the opening `<svg …>` tag so the picture uses `vb` and scales to its box.
pub(crate) fn with_view_box(svg: &str, vb: [f64; 4]) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_owned();
    };
    let Some(end) = svg[start..].find('>').map(|i| start + i + 1) else {
        return svg.to_owned();
    };
    format!(
        "{}<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{}\" preserveAspectRatio=\"xMidYMid meet\">{}",
        &svg[..start],
        view_box_text(vb),
        &svg[end..]
    )
}

/// An SVG as a `data:` URL for an `<img>`.
pub(crate) fn data_url(svg: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(svg).into();
    format!("data:image/svg+xml;charset=utf-8,{encoded}")
}

/// The colour a single layer is drawn in (the board module draws with the same).
fn layer_color(function: LayerFunction) -> &'static str {
    use LayerFunction as F;
    match function {
        F::CopperTop => "#d9534f",
        F::CopperBottom => "#4f7fd9",
        F::CopperInner => "#d9a84f",
        F::SoldermaskTop | F::SoldermaskBottom => "#3fae5f",
        F::SilkscreenTop | F::SilkscreenBottom => "#f2f2f2",
        F::PasteTop | F::PasteBottom => "#9aa3ad",
        F::Outline => "#f0d000",
        _ => "#c080ff",
    }
}

impl Drawing {
    /// The pictures the board module drew ([`crate::cad::draw`]), in one shared viewBox.
    pub fn new(drawn: crate::cad::Drawn) -> Self {
        let view_top = drawn
            .top
            .as_deref()
            .and_then(view_box)
            .unwrap_or([0.0, -10.0, 10.0, 10.0]);
        let view_bottom = drawn
            .bottom
            .as_deref()
            .and_then(view_box)
            .unwrap_or([-10.0, -10.0, 10.0, 10.0]);
        let layers = drawn
            .layers
            .into_iter()
            .map(|l| LayerPicture {
                url: data_url(&with_view_box(&l.svg, view_top)),
                file: l.file,
                function: l.function,
                side: l.side,
            })
            .collect();
        Drawing {
            top: drawn
                .top
                .map(|svg| data_url(&with_view_box(&svg, view_top))),
            bottom: drawn
                .bottom
                .map(|svg| data_url(&with_view_box(&svg, view_bottom))),
            view_top,
            view_bottom,
            layers,
            placements: drawn.placements,
            bom_lines: drawn.bom_lines,
        }
    }
}

/// Whether a layer belongs in the view of `side`.
fn on_side(layer_side: Side, side: Side) -> bool {
    layer_side == side || matches!(layer_side, Side::Both | Side::Inner | Side::None)
}

/// What the viewer shows, kept by the page so it survives reloads of the package.
#[derive(Debug, Clone, Copy)]
pub struct ViewerState {
    /// TOP or BOTTOM.
    pub side: RwSignal<Side>,
    /// Whether the composite view is shown.
    pub composite: RwSignal<bool>,
    /// Files of the layers shown on their own.
    pub shown: RwSignal<Vec<String>>,
    /// The selected designator.
    pub selected: RwSignal<Option<String>>,
    /// Zoom factor.
    pub zoom: RwSignal<f64>,
    /// Pan in CSS pixels.
    pub pan: RwSignal<(f64, f64)>,
}

impl ViewerState {
    /// Top side, composite on, no layer alone, nothing selected, no zoom.
    pub fn new() -> Self {
        ViewerState {
            side: RwSignal::new(Side::Top),
            composite: RwSignal::new(true),
            shown: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            zoom: RwSignal::new(1.0),
            pan: RwSignal::new((0.0, 0.0)),
        }
    }

    /// Shows one layer on its own (from a finding), on the side it belongs to.
    pub fn focus_layer(&self, file: &str, side: Side) {
        if side == Side::Bottom {
            self.side.set(Side::Bottom);
        } else if side == Side::Top {
            self.side.set(Side::Top);
        }
        self.composite.set(false);
        self.shown.set(vec![file.to_owned()]);
    }

    fn reset_view(&self) {
        self.zoom.set(1.0);
        self.pan.set((0.0, 0.0));
    }

    fn zoom_by(&self, factor: f64, about: (f64, f64)) {
        let old = self.zoom.get_untracked();
        let new = (old * factor).clamp(0.25, 40.0);
        let (px, py) = self.pan.get_untracked();
        let k = new / old;
        self.pan
            .set((about.0 - (about.0 - px) * k, about.1 - (about.1 - py) * k));
        self.zoom.set(new);
    }
}

/// The viewer: side switch, layer toggles, the stage, and the selected part's BOM line.
#[component]
pub fn BoardViewer(drawing: Arc<Drawing>, state: ViewerState) -> impl IntoView {
    let stage = NodeRef::<Div>::new();
    let stack = NodeRef::<Div>::new();
    let drag = StoredValue::new(None::<(f64, f64, f64, f64)>);
    let moved = StoredValue::new(false);
    let ViewerState {
        side,
        composite,
        shown,
        selected,
        zoom,
        pan,
    } = state;

    let stage_center = move || {
        stage
            .get_untracked()
            .map(|el| {
                let r = el.get_bounding_client_rect();
                (r.width() / 2.0, r.height() / 2.0)
            })
            .unwrap_or((0.0, 0.0))
    };
    let on_key = move |e: ev::KeyboardEvent| {
        let step = 40.0;
        let (x, y) = pan.get_untracked();
        match e.key().as_str() {
            "+" | "=" => state.zoom_by(1.25, stage_center()),
            "-" | "_" => state.zoom_by(0.8, stage_center()),
            "0" => state.reset_view(),
            "ArrowLeft" => pan.set((x + step, y)),
            "ArrowRight" => pan.set((x - step, y)),
            "ArrowUp" => pan.set((x, y + step)),
            "ArrowDown" => pan.set((x, y - step)),
            _ => return,
        }
        e.prevent_default();
    };
    let on_wheel = move |e: ev::WheelEvent| {
        e.prevent_default();
        let Some(el) = stage.get_untracked() else {
            return;
        };
        let r = el.get_bounding_client_rect();
        let about = (
            f64::from(e.client_x()) - r.left(),
            f64::from(e.client_y()) - r.top(),
        );
        state.zoom_by(if e.delta_y() < 0.0 { 1.15 } else { 1.0 / 1.15 }, about);
    };
    let on_down = move |e: ev::MouseEvent| {
        let (x, y) = pan.get_untracked();
        drag.set_value(Some((
            f64::from(e.client_x()),
            f64::from(e.client_y()),
            x,
            y,
        )));
        moved.set_value(false);
    };
    let on_move = move |e: ev::MouseEvent| {
        if let Some((sx, sy, px, py)) = drag.get_value() {
            let (dx, dy) = (f64::from(e.client_x()) - sx, f64::from(e.client_y()) - sy);
            if dx.abs() + dy.abs() > 3.0 {
                moved.set_value(true);
            }
            pan.set((px + dx, py + dy));
        }
    };
    let on_up = move |_: ev::MouseEvent| drag.set_value(None);

    // Zoom to the selected part: its side, centred in the stage, close enough to read.
    let zoom_to = {
        let drawing = drawing.clone();
        move |designator: &str| {
            let Some(p) = drawing
                .placements
                .iter()
                .find(|p| p.designator == designator)
            else {
                return;
            };
            match p.side {
                Side::Bottom if side.get_untracked() != Side::Bottom => side.set(Side::Bottom),
                Side::Top if side.get_untracked() != Side::Top => side.set(Side::Top),
                _ => {}
            }
            let bottom = side.get_untracked() == Side::Bottom;
            let v = if bottom {
                drawing.view_bottom
            } else {
                drawing.view_top
            };
            let (Some(stage), Some(stack)) = (stage.get_untracked(), stack.get_untracked()) else {
                return;
            };
            let (w, h) = (
                f64::from(stage.client_width()),
                f64::from(stage.client_height()),
            );
            let (sw, sh) = (
                f64::from(stack.offset_width()),
                f64::from(stack.offset_height()),
            );
            if v[2] <= 0.0 || v[3] <= 0.0 || sw <= 0.0 || sh <= 0.0 {
                return;
            }
            let x = if bottom { -p.x_mm } else { p.x_mm };
            let y = -p.y_mm;
            let px = f64::from(stack.offset_left()) + (x - v[0]) / v[2] * sw;
            let py = f64::from(stack.offset_top()) + (y - v[1]) / v[3] * sh;
            // About 12 mm of board across the stage, never less than the zoom already chosen.
            let z = (sw / v[2] * 12.0).recip() * w;
            let z = z.max(zoom.get_untracked()).clamp(1.0, 40.0);
            pan.set((w / 2.0 - px * z, h / 2.0 - py * z));
            zoom.set(z);
        }
    };
    Effect::new(move |_| {
        if let Some(d) = selected.get() {
            zoom_to(&d);
        }
    });

    let vb = {
        let drawing = drawing.clone();
        move || {
            if side.get() == Side::Bottom {
                drawing.view_bottom
            } else {
                drawing.view_top
            }
        }
    };
    let aspect = {
        let vb = vb.clone();
        move || {
            let v = vb();
            format!("aspect-ratio: {} / {}", v[2].max(1.0), v[3].max(1.0))
        }
    };
    let transform = move || {
        let (x, y) = pan.get();
        format!("transform: translate({x}px, {y}px) scale({})", zoom.get())
    };

    let layer_list = {
        let drawing = drawing.clone();
        move || {
            let current = side.get();
            drawing
                .layers
                .iter()
                .filter(|l| on_side(l.side, current))
                .map(|l| {
                    let file = l.file.clone();
                    let file_check = file.clone();
                    let id = format!("layer-toggle-{}", safe_id(&l.file));
                    view! {
                        <li>
                            <input
                                type="checkbox"
                                id=id.clone()
                                data-file=file.clone()
                                prop:checked=move || shown.with(|s| s.contains(&file_check))
                                on:change=move |_| {
                                    shown.update(|s| {
                                        if let Some(i) = s.iter().position(|f| *f == file) {
                                            s.remove(i);
                                        } else {
                                            s.push(file.clone());
                                        }
                                    })
                                }
                            />
                            <label for=id>
                                <span class="swatch" style=format!("background:{}", layer_color(l.function))></span>
                                {layer_label(l.function)}
                                <span class="muted small">{format!(" {}", l.file)}</span>
                            </label>
                        </li>
                    }
                })
                .collect_view()
        }
    };

    let pictures = {
        let drawing = drawing.clone();
        move || {
            let current = side.get();
            let base = if current == Side::Bottom {
                drawing.bottom.clone()
            } else {
                drawing.top.clone()
            };
            let base = composite
                .get()
                .then_some(base)
                .flatten()
                .map(|url| view! { <img class="board-layer" src=url alt="" data-testid="board-composite" /> });
            let layers = shown.with(|s| {
                drawing
                    .layers
                    .iter()
                    .filter(|l| s.contains(&l.file) && on_side(l.side, current))
                    .map(|l| {
                        view! {
                            <img
                                class=if current == Side::Bottom { "board-layer single mirrored" } else { "board-layer single" }
                                src=l.url.clone()
                                alt=""
                                data-file=l.file.clone()
                            />
                        }
                    })
                    .collect_view()
            });
            (base, layers)
        }
    };

    let overlay = {
        let drawing = drawing.clone();
        move || {
            let current = side.get();
            let v = vb();
            let bottom = current == Side::Bottom;
            let marks = drawing
                .placements
                .iter()
                .filter(|p| p.side == current || !matches!(p.side, Side::Top | Side::Bottom) && !bottom)
                .map(|p| {
                    let x = if bottom { -p.x_mm } else { p.x_mm };
                    let y = -p.y_mm;
                    let designator = p.designator.clone();
                    let d2 = designator.clone();
                    let d3 = designator.clone();
                    let d4 = designator.clone();
                    let d5 = designator.clone();
                    view! {
                        <g
                            class="part"
                            class:selected=move || selected.with(|s| s.as_deref() == Some(d2.as_str()))
                            data-designator=d4
                            on:click=move |_| {
                                if !moved.get_value() {
                                    selected.set(Some(d3.clone()));
                                }
                            }
                        >
                            <title>{d5}</title>
                            <circle cx=x cy=y r="0.9"></circle>
                            <text x=x y=y - 1.3 text-anchor="middle">{designator}</text>
                        </g>
                    }
                })
                .collect_view();
            view! {
                <svg class="placements" viewBox=view_box_text(v) preserveAspectRatio="xMidYMid meet" aria-hidden="true">
                    {marks}
                </svg>
            }
        }
    };

    let designators = {
        let mut all: Vec<String> = drawing
            .placements
            .iter()
            .map(|p| p.designator.clone())
            .collect();
        all.sort_by(|a, b| crate::table::natural_cmp(a, b));
        all.dedup();
        all
    };
    let part_panel = {
        let drawing = drawing.clone();
        move || {
            let d = selected.get()?;
            let placement = drawing
                .placements
                .iter()
                .find(|p| p.designator == d)
                .cloned();
            let line = drawing
                .bom_lines
                .iter()
                .find(|l| l.designators.contains(&d))
                .cloned();
            Some(view! {
                <div class="part-panel" id="part-panel" aria-live="polite">
                    <h3>{d.clone()}</h3>
                    {match line {
                        Some(l) => view! {
                            <dl class="facts compact">
                                <dt>"BOM row"</dt><dd>{format!("{} (file {})", l.row, l.file)}</dd>
                                <dt>"MPN"</dt><dd id="part-mpn">{l.mpn.unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Manufacturer"</dt><dd>{l.manufacturer.unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Value"</dt><dd>{l.value.unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Package"</dt><dd>{l.package.unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Description"</dt><dd>{l.description.unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Designators"</dt><dd>{l.designators.join(", ")}</dd>
                                <dt>"Do not place"</dt><dd>{if l.dnp { "yes" } else { "no" }}</dd>
                            </dl>
                        }.into_any(),
                        None => view! { <p class="alert">"No BOM line names this designator."</p> }.into_any(),
                    }}
                    {placement.map(|p| view! {
                        <p class="muted small">
                            {format!("x {:.2} mm, y {:.2} mm, {}°, {} side", p.x_mm, p.y_mm, p.rotation_deg, if p.side == Side::Bottom { "bottom" } else { "top" })}
                        </p>
                    })}
                </div>
            })
        }
    };

    view! {
        <div class="viewer" id="board-viewer">
            <div class="viewer-controls">
                <div class="segmented" role="group" aria-label="Side">
                    <button type="button" id="view-top" aria-pressed=move || (side.get() == Side::Top).to_string() on:click=move |_| side.set(Side::Top)>"Top"</button>
                    <button type="button" id="view-bottom" aria-pressed=move || (side.get() == Side::Bottom).to_string() on:click=move |_| side.set(Side::Bottom)>"Bottom"</button>
                </div>
                <fieldset class="layers">
                    <legend>"Layers"</legend>
                    <ul class="layer-list">
                        <li>
                            <input type="checkbox" id="layer-toggle-composite" prop:checked=move || composite.get() on:change=move |_| composite.update(|c| *c = !*c) />
                            <label for="layer-toggle-composite">"Board (all layers)"</label>
                        </li>
                        {layer_list}
                    </ul>
                </fieldset>
                <div class="field">
                    <label for="designator-select">"Find a part"</label>
                    <select
                        id="designator-select"
                        prop:value=move || selected.get().unwrap_or_default()
                        on:change=move |e| {
                            let v = event_target_value(&e);
                            selected.set((!v.is_empty()).then_some(v));
                        }
                    >
                        <option value="">"—"</option>
                        {designators.into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="zoom-buttons" role="group" aria-label="Zoom">
                    <button type="button" class="button secondary" aria-label="Zoom in" on:click=move |_| state.zoom_by(1.25, stage_center())>"+"</button>
                    <button type="button" class="button secondary" aria-label="Zoom out" on:click=move |_| state.zoom_by(0.8, stage_center())>"−"</button>
                    <button type="button" class="button secondary" aria-label="Reset view" on:click=move |_| state.reset_view()>"Fit"</button>
                </div>
            </div>
            <div class="viewer-main">
                <div
                    class="stage"
                    id="board-stage"
                    node_ref=stage
                    tabindex="0"
                    role="img"
                    aria-label="Board drawing. Keys: plus and minus zoom, arrows pan, 0 fits."
                    on:keydown=on_key
                    on:wheel=on_wheel
                    on:mousedown=on_down
                    on:mousemove=on_move
                    on:mouseup=on_up
                    on:mouseleave=on_up
                >
                    <div class="stage-inner" style=transform>
                        <div class="stack" style=aspect node_ref=stack>
                            {pictures}
                            {overlay}
                        </div>
                    </div>
                </div>
                {part_panel}
            </div>
        </div>
    }
}

/// A file name made safe for an element id.
pub fn safe_id(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_box_is_replaced() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="1 -2 3 4" width="3mm" height="4mm"><g/></svg>"#;
        assert_eq!(view_box(svg), Some([1.0, -2.0, 3.0, 4.0]));
        let out = with_view_box(svg, [0.0, -5.0, 10.0, 5.0]);
        assert!(out.contains(r#"viewBox="0 -5 10 5""#));
        assert!(!out.contains("width="));
        assert!(out.ends_with("<g/></svg>"));
    }
}
