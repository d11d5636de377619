//! What a Gerber or drill file is for: from its X2 `.FileFunction`, failing that from the file
//! name conventions of KiCad, Altium/Protel, Eagle and OrCAD (case-insensitive).

use serde::{Deserialize, Serialize};

use super::{base_name, extension};

/// The function of a layer in the board stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "server", derive(async_graphql::Enum))]
pub enum LayerFunction {
    /// Top copper.
    CopperTop,
    /// An inner copper layer.
    CopperInner,
    /// Bottom copper.
    CopperBottom,
    /// Top solder mask.
    SoldermaskTop,
    /// Bottom solder mask.
    SoldermaskBottom,
    /// Top silkscreen (legend).
    SilkscreenTop,
    /// Bottom silkscreen (legend).
    SilkscreenBottom,
    /// Top solder paste.
    PasteTop,
    /// Bottom solder paste.
    PasteBottom,
    /// Board outline (profile).
    Outline,
    /// Plated holes.
    DrillPlated,
    /// Non-plated holes.
    DrillNonPlated,
    /// A drawing layer (fabrication, assembly).
    Drawing,
    /// Known but not one of the above.
    Other,
    /// Not identified: set it with `setLayerFunction`.
    Unknown,
}

impl LayerFunction {
    /// Every function, in declaration order.
    pub const ALL: &'static [LayerFunction] = &[
        LayerFunction::CopperTop,
        LayerFunction::CopperInner,
        LayerFunction::CopperBottom,
        LayerFunction::SoldermaskTop,
        LayerFunction::SoldermaskBottom,
        LayerFunction::SilkscreenTop,
        LayerFunction::SilkscreenBottom,
        LayerFunction::PasteTop,
        LayerFunction::PasteBottom,
        LayerFunction::Outline,
        LayerFunction::DrillPlated,
        LayerFunction::DrillNonPlated,
        LayerFunction::Drawing,
        LayerFunction::Other,
        LayerFunction::Unknown,
    ];

    /// The stable spelling used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerFunction::CopperTop => "COPPER_TOP",
            LayerFunction::CopperInner => "COPPER_INNER",
            LayerFunction::CopperBottom => "COPPER_BOTTOM",
            LayerFunction::SoldermaskTop => "SOLDERMASK_TOP",
            LayerFunction::SoldermaskBottom => "SOLDERMASK_BOTTOM",
            LayerFunction::SilkscreenTop => "SILKSCREEN_TOP",
            LayerFunction::SilkscreenBottom => "SILKSCREEN_BOTTOM",
            LayerFunction::PasteTop => "PASTE_TOP",
            LayerFunction::PasteBottom => "PASTE_BOTTOM",
            LayerFunction::Outline => "OUTLINE",
            LayerFunction::DrillPlated => "DRILL_PLATED",
            LayerFunction::DrillNonPlated => "DRILL_NON_PLATED",
            LayerFunction::Drawing => "DRAWING",
            LayerFunction::Other => "OTHER",
            LayerFunction::Unknown => "UNKNOWN",
        }
    }

    /// Whether this is a copper layer.
    pub fn is_copper(self) -> bool {
        matches!(
            self,
            LayerFunction::CopperTop | LayerFunction::CopperInner | LayerFunction::CopperBottom
        )
    }

    /// Whether this is a drill layer.
    pub fn is_drill(self) -> bool {
        matches!(
            self,
            LayerFunction::DrillPlated | LayerFunction::DrillNonPlated
        )
    }

    /// The side this function implies.
    pub fn side(self) -> Side {
        match self {
            LayerFunction::CopperTop
            | LayerFunction::SoldermaskTop
            | LayerFunction::SilkscreenTop
            | LayerFunction::PasteTop => Side::Top,
            LayerFunction::CopperBottom
            | LayerFunction::SoldermaskBottom
            | LayerFunction::SilkscreenBottom
            | LayerFunction::PasteBottom => Side::Bottom,
            LayerFunction::CopperInner => Side::Inner,
            LayerFunction::Outline | LayerFunction::DrillPlated | LayerFunction::DrillNonPlated => {
                Side::Both
            }
            LayerFunction::Drawing | LayerFunction::Other | LayerFunction::Unknown => Side::None,
        }
    }
}

impl std::fmt::Display for LayerFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for LayerFunction {
    type Err = crate::domain::UnknownVariant;

    /// Accepts the stable spelling in any letter case, with `-` for `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.trim().to_ascii_uppercase().replace('-', "_");
        LayerFunction::ALL.iter().copied().find(|f| f.as_str() == n).ok_or_else(|| {
            crate::domain::UnknownVariant {
                kind: "layer function",
                value: s.to_owned(),
                expected: "COPPER_TOP COPPER_INNER COPPER_BOTTOM SOLDERMASK_TOP SOLDERMASK_BOTTOM SILKSCREEN_TOP SILKSCREEN_BOTTOM PASTE_TOP PASTE_BOTTOM OUTLINE DRILL_PLATED DRILL_NON_PLATED DRAWING OTHER UNKNOWN",
            }
        })
    }
}

/// Which side of the board something is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "server", derive(async_graphql::Enum))]
pub enum Side {
    /// Component side.
    Top,
    /// Solder side.
    Bottom,
    /// Inside the stack.
    Inner,
    /// Through the board (outline, holes).
    Both,
    /// Not tied to a side.
    None,
}

/// How a layer's function was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "server", derive(async_graphql::Enum))]
pub enum LayerSource {
    /// From the Gerber X2 `.FileFunction` attribute.
    X2,
    /// From the file-name conventions of common CAD tools.
    FileName,
    /// Set by a person with `setLayerFunction`.
    User,
    /// Not found.
    None,
}

/// The identified function of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerId {
    /// The function.
    pub function: LayerFunction,
    /// Side implied by the function.
    pub side: Side,
    /// For inner copper, its number counted from the top inner layer (In1 = 1), where known.
    pub inner_index: Option<u32>,
    /// Where the function came from.
    pub source: LayerSource,
}

impl LayerId {
    fn new(function: LayerFunction, inner_index: Option<u32>, source: LayerSource) -> Self {
        LayerId {
            function,
            side: function.side(),
            inner_index,
            source,
        }
    }

    /// An unidentified layer.
    pub fn unknown() -> Self {
        LayerId::new(LayerFunction::Unknown, None, LayerSource::None)
    }
}

/// Identifies a layer from its X2 `.FileFunction` fields (if any), failing that from its name.
pub fn identify_layer(name: &str, file_function: Option<&[String]>) -> LayerId {
    if let Some(ff) = file_function {
        let id = identify_by_file_function(ff);
        if id.function != LayerFunction::Unknown {
            return id;
        }
    }
    identify_by_name(name)
}

/// Identifies a layer from the fields of an X2 `.FileFunction` attribute
/// (e.g. `["Copper", "L2", "Inr"]`).
pub fn identify_by_file_function(fields: &[String]) -> LayerId {
    use LayerFunction as F;
    let f = |i: usize| {
        fields
            .get(i)
            .map(|s| s.trim().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let kind = f(0);
    let side_of = |s: &str, top: F, bottom: F| match s {
        "top" => Some(top),
        "bot" | "bottom" => Some(bottom),
        _ => None,
    };
    let x2 = |function: F| LayerId::new(function, None, LayerSource::X2);
    match kind.as_str() {
        "copper" => {
            let n = f(1).strip_prefix('l').and_then(|n| n.parse::<u32>().ok());
            match f(2).as_str() {
                "top" => x2(F::CopperTop),
                "bot" | "bottom" => x2(F::CopperBottom),
                "inr" | "inner" => LayerId::new(
                    F::CopperInner,
                    n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0),
                    LayerSource::X2,
                ),
                _ => match n {
                    Some(1) => x2(F::CopperTop),
                    _ => LayerId::unknown(),
                },
            }
        }
        "soldermask" => {
            side_of(&f(1), F::SoldermaskTop, F::SoldermaskBottom).map_or_else(LayerId::unknown, x2)
        }
        "legend" => {
            side_of(&f(1), F::SilkscreenTop, F::SilkscreenBottom).map_or_else(LayerId::unknown, x2)
        }
        "paste" => side_of(&f(1), F::PasteTop, F::PasteBottom).map_or_else(LayerId::unknown, x2),
        "profile" => x2(F::Outline),
        "plated" => x2(F::DrillPlated),
        "nonplated" => x2(F::DrillNonPlated),
        "drawing" | "assemblydrawing" | "fabricationdrawing" | "drillmap" | "otherdrawing"
        | "arraydrawing" => x2(F::Drawing),
        "" => LayerId::unknown(),
        _ => x2(F::Other),
    }
}

/// Whether `stem` ends with `token` as a whole word (preceded by `-`, `_`, space or nothing).
fn ends_with_token(stem: &str, token: &str) -> bool {
    match stem.strip_suffix(token) {
        Some("") => true,
        Some(rest) => rest.ends_with(['-', '_', ' ']),
        None => false,
    }
}

/// Identifies a layer from its file name alone.
pub fn identify_by_name(name: &str) -> LayerId {
    use LayerFunction as F;
    let base = base_name(name).to_ascii_lowercase();
    let ext = extension(name);
    let stem = match base.rfind('.') {
        Some(i) if i > 0 => &base[..i],
        _ => base.as_str(),
    };
    let by_name = |function: F| LayerId::new(function, None, LayerSource::FileName);
    // KiCad: `<board>-F_Cu.gbr`, also `F.Cu` spellings (the dot becomes part of the stem).
    let kstem = stem.replace('.', "_");
    let kicad = [
        ("f_cu", F::CopperTop),
        ("b_cu", F::CopperBottom),
        ("f_mask", F::SoldermaskTop),
        ("b_mask", F::SoldermaskBottom),
        ("f_silkscreen", F::SilkscreenTop),
        ("b_silkscreen", F::SilkscreenBottom),
        ("f_silks", F::SilkscreenTop),
        ("b_silks", F::SilkscreenBottom),
        ("f_paste", F::PasteTop),
        ("b_paste", F::PasteBottom),
        ("edge_cuts", F::Outline),
        ("f_fab", F::Drawing),
        ("b_fab", F::Drawing),
        ("user_drawings", F::Drawing),
        ("dwgs_user", F::Drawing),
        ("f_courtyard", F::Other),
        ("b_courtyard", F::Other),
        ("f_crtyd", F::Other),
        ("b_crtyd", F::Other),
        ("f_adhes", F::Other),
        ("b_adhes", F::Other),
        ("cmts_user", F::Other),
        ("user_comments", F::Other),
        ("margin", F::Other),
    ];
    // Names written with `F.Cu` keep the dot as the "extension" when there is no real one.
    let whole = base.replace('.', "_");
    for (token, function) in kicad {
        if ends_with_token(&kstem, token) || ends_with_token(&whole, token) {
            return by_name(function);
        }
    }
    for candidate in [kstem.as_str(), whole.as_str()] {
        if let Some(pos) = candidate.rfind("_cu") {
            let before = &candidate[..pos];
            let digits: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>();
            let digits: String = digits.chars().rev().collect();
            let rest = &before[..before.len() - digits.len()];
            if pos + 3 == candidate.len() && !digits.is_empty() && ends_with_token(rest, "in") {
                let n = digits.parse::<u32>().ok().filter(|n| *n > 0 && *n < 100);
                return LayerId::new(F::CopperInner, n, LayerSource::FileName);
            }
        }
    }
    if kstem.contains("drl_map") || kstem.ends_with("-drl_map") {
        return by_name(F::Drawing);
    }
    let drill_exts = ["drl", "xln", "drd", "tap", "txt", "exc", "ncd", "nc", "xnc"];
    if drill_exts.contains(&ext.as_str()) {
        let np = kstem.contains("npth")
            || kstem.contains("nonplated")
            || kstem.contains("non_plated")
            || kstem.contains("non-plated");
        return by_name(if np {
            F::DrillNonPlated
        } else {
            F::DrillPlated
        });
    }
    let numbered = |prefix: &str| -> Option<u32> {
        let rest = ext.strip_prefix(prefix)?;
        if rest.is_empty() || rest.len() > 2 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.parse::<u32>().ok().filter(|n| *n > 0)
    };
    // Altium/Protel, Eagle and OrCAD extensions.
    let function = match ext.as_str() {
        "gtl" | "cmp" | "top" => Some(F::CopperTop),
        "gbl" | "sol" | "bot" => Some(F::CopperBottom),
        "gts" | "stc" | "smt" => Some(F::SoldermaskTop),
        "gbs" | "sts" | "smb" => Some(F::SoldermaskBottom),
        "gto" | "plc" | "sst" => Some(F::SilkscreenTop),
        "gbo" | "pls" | "ssb" => Some(F::SilkscreenBottom),
        "gtp" | "crc" | "spt" => Some(F::PasteTop),
        "gbp" | "crs" | "spb" => Some(F::PasteBottom),
        "gko" | "gm1" | "dim" | "gml" | "gm" | "outline" | "oln" => Some(F::Outline),
        "fab" | "gd1" | "gg1" | "gdd" => Some(F::Drawing),
        "gpt" | "gpb" | "gbrjob" => Some(F::Other),
        _ => None,
    };
    if let Some(function) = function {
        return by_name(function);
    }
    for prefix in ["gp", "g", "ly", "in"] {
        if let Some(n) = numbered(prefix) {
            let inner = if prefix == "ly" {
                n.checked_sub(1).filter(|n| *n > 0)
            } else {
                Some(n)
            };
            if inner.is_some() {
                return LayerId::new(F::CopperInner, inner, LayerSource::FileName);
            }
        }
    }
    if numbered("gm").is_some() {
        return by_name(F::Other);
    }
    // Plain descriptive names: `top.gbr`, `outline.gbr`, `board_outline.gbr`…
    let words = [
        ("outline", F::Outline),
        ("profile", F::Outline),
        ("edge", F::Outline),
        ("copper_top", F::CopperTop),
        ("top_copper", F::CopperTop),
        ("copper_bottom", F::CopperBottom),
        ("bottom_copper", F::CopperBottom),
        ("soldermask_top", F::SoldermaskTop),
        ("soldermask_bottom", F::SoldermaskBottom),
        ("silkscreen_top", F::SilkscreenTop),
        ("silkscreen_bottom", F::SilkscreenBottom),
    ];
    for (word, function) in words {
        if ends_with_token(&kstem, word) {
            return by_name(function);
        }
    }
    LayerId::unknown()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str) -> (LayerFunction, Option<u32>) {
        let id = identify_by_name(name);
        (id.function, id.inner_index)
    }

    #[test]
    fn kicad_names() {
        use LayerFunction as F;
        assert_eq!(f("board-F_Cu.gbr").0, F::CopperTop);
        assert_eq!(f("dir/board-B_Cu.gbr").0, F::CopperBottom);
        assert_eq!(f("board-In1_Cu.gbr"), (F::CopperInner, Some(1)));
        assert_eq!(f("board-In12_Cu.g12"), (F::CopperInner, Some(12)));
        assert_eq!(f("BOARD-F_MASK.GBR").0, F::SoldermaskTop);
        assert_eq!(f("board-F_Silkscreen.gbr").0, F::SilkscreenTop);
        assert_eq!(f("board-B_SilkS.gbr").0, F::SilkscreenBottom);
        assert_eq!(f("board-F_Paste.gbr").0, F::PasteTop);
        assert_eq!(f("board-Edge_Cuts.gbr").0, F::Outline);
        assert_eq!(f("board.F.Cu").0, F::CopperTop);
        assert_eq!(f("board-F.Cu.gbr").0, F::CopperTop);
        assert_eq!(f("board-NPTH.drl").0, F::DrillNonPlated);
        assert_eq!(f("board-PTH.drl").0, F::DrillPlated);
        assert_eq!(f("board.drl").0, F::DrillPlated);
        assert_eq!(f("board-PTH-drl_map.gbr").0, F::Drawing);
    }

    #[test]
    fn cam_extensions() {
        use LayerFunction as F;
        assert_eq!(f("x.GTL").0, F::CopperTop);
        assert_eq!(f("x.GBL").0, F::CopperBottom);
        assert_eq!(f("x.G1"), (F::CopperInner, Some(1)));
        assert_eq!(f("x.GP2"), (F::CopperInner, Some(2)));
        assert_eq!(f("x.GTS").0, F::SoldermaskTop);
        assert_eq!(f("x.GBO").0, F::SilkscreenBottom);
        assert_eq!(f("x.GKO").0, F::Outline);
        assert_eq!(f("x.GM1").0, F::Outline);
        assert_eq!(f("x-NonPlated.TXT").0, F::DrillNonPlated);
        assert_eq!(f("x.cmp").0, F::CopperTop);
        assert_eq!(f("x.ly2"), (F::CopperInner, Some(1)));
        assert_eq!(f("x.plc").0, F::SilkscreenTop);
        assert_eq!(f("x.dim").0, F::Outline);
        assert_eq!(f("x.xln").0, F::DrillPlated);
        assert_eq!(f("x.in1"), (F::CopperInner, Some(1)));
        assert_eq!(f("x.smb").0, F::SoldermaskBottom);
        assert_eq!(f("x.fab").0, F::Drawing);
        assert_eq!(f("x.tap").0, F::DrillPlated);
        assert_eq!(f("mystery.gbr").0, F::Unknown);
    }

    #[test]
    fn from_str_round_trips() {
        for f in LayerFunction::ALL {
            assert_eq!(
                f.as_str()
                    .to_ascii_lowercase()
                    .parse::<LayerFunction>()
                    .ok(),
                Some(*f)
            );
        }
        assert!("copper".parse::<LayerFunction>().is_err());
    }

    #[test]
    fn x2_wins() {
        let ff: Vec<String> = ["Copper", "L3", "Inr"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let id = identify_layer("board-F_Cu.gbr", Some(&ff));
        assert_eq!(
            (id.function, id.inner_index),
            (LayerFunction::CopperInner, Some(2))
        );
        let ff: Vec<String> = ["Profile", "NP"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            identify_layer("x", Some(&ff)).function,
            LayerFunction::Outline
        );
        let ff: Vec<String> = ["NonPlated", "1", "2", "NPTH"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            identify_layer("x", Some(&ff)).function,
            LayerFunction::DrillNonPlated
        );
    }
}
