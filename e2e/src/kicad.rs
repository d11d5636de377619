//! Real KiCad exports for the tests: a demo board shipped by Debian's `kicad-demos`, exported
//! with KiCad's own `kicad-cli` both as a Gerber + Excellon + CSV set and as one IPC-2581 file.
//!
//! KiCad 8 and later export IPC-2581; older ones (bookworm's KiCad 6 has no `kicad-cli` at all)
//! make [`KiCad::find`] return `None`. Tests then skip with a message, unless
//! `FIRSTPASS_REQUIRE_KICAD=1` (CI), when they fail: see [`KiCad::find_or_skip`].
//!
//! The demo boards carry no part numbers. So that both forms carry the same BOM, the board is
//! copied with two fields added to every footprint, `MPN` (`DEMO-<value>-<footprint>`) and
//! `Manufacturer`, as a real design would have; the IPC-2581 export names these fields as its
//! AVL columns, and the CSV BOM is made from the position file with the same part numbers.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Debian installs the demo boards (`FIRSTPASS_KICAD_DEMOS` points elsewhere).
pub const DEMOS: &str = "/usr/share/kicad/demos";

/// The manufacturer written into every footprint of an exported demo board.
pub const DEMO_MANUFACTURER: &str = "KiCad demo";

/// A `kicad-cli` that can export IPC-2581.
#[derive(Debug, Clone)]
pub struct KiCad {
    /// The executable.
    pub cli: PathBuf,
    /// What `kicad-cli version` printed.
    pub version: String,
}

/// One demo board in both forms.
#[derive(Debug, Clone)]
pub struct DemoExport {
    /// Gerbers (every copper layer, mask, paste, legend, edge), drill files, the position file
    /// and a BOM made from it, as (file name, bytes).
    pub gerber_set: Vec<(String, Vec<u8>)>,
    /// The IPC-2581 (revision C) file of the same board, as (file name, bytes).
    pub ipc2581: (String, Vec<u8>),
}

/// Whether `FIRSTPASS_REQUIRE_KICAD=1`: a missing KiCad fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("FIRSTPASS_REQUIRE_KICAD").is_ok_and(|v| v == "1")
}

/// The folder of the demo boards.
pub fn demos() -> PathBuf {
    std::env::var("FIRSTPASS_KICAD_DEMOS").map_or_else(|_| PathBuf::from(DEMOS), PathBuf::from)
}

impl KiCad {
    /// `kicad-cli` on the `PATH` when it is KiCad 8 or later (the first to export IPC-2581).
    pub fn find() -> Option<KiCad> {
        let out = Command::new("kicad-cli").arg("version").output().ok()?;
        if !out.status.success() {
            return None;
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let major: u32 = version.split('.').next()?.trim().parse().ok()?;
        (major >= 8).then(|| KiCad {
            cli: PathBuf::from("kicad-cli"),
            version,
        })
    }

    /// [`KiCad::find`] with the demo board `board` (relative to [`demos`]) present; otherwise
    /// prints `SKIPPED <test>: …` and returns `None`, or panics when [`required`].
    pub fn find_or_skip(test: &str, board: &str) -> Option<(KiCad, PathBuf)> {
        let path = demos().join(board);
        match KiCad::find() {
            Some(k) if path.is_file() => Some((k, path)),
            found => {
                let why = match found {
                    None => "no kicad-cli of KiCad 8 or later (IPC-2581 export) on the PATH".into(),
                    Some(_) => format!("no demo board {}", path.display()),
                };
                assert!(!required(), "{test}: FIRSTPASS_REQUIRE_KICAD=1 but {why}");
                eprintln!("SKIPPED {test}: {why}");
                None
            }
        }
    }

    fn run(&self, args: &[&OsStr]) -> Result<(), String> {
        let out = Command::new(&self.cli)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.cli.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "kicad-cli {args:?} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Exports `board` into `out` in both forms (see the module documentation).
    pub fn export_demo(&self, board: &Path, out: &Path) -> Result<DemoExport, String> {
        let text = std::fs::read_to_string(board)
            .map_err(|e| format!("cannot read {}: {e}", board.display()))?;
        let stem = board
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let set_dir = out.join("gerber-set");
        std::fs::create_dir_all(&set_dir).map_err(|e| e.to_string())?;
        let copy = out.join(format!("{stem}.kicad_pcb"));
        std::fs::write(&copy, with_part_numbers(&text)).map_err(|e| e.to_string())?;

        let mut layers: Vec<String> = [
            "F.Cu",
            "B.Cu",
            "F.Paste",
            "B.Paste",
            "F.SilkS",
            "B.SilkS",
            "F.Mask",
            "B.Mask",
            "Edge.Cuts",
        ]
        .map(String::from)
        .to_vec();
        layers.extend(
            (1..=30)
                .map(|n| format!("In{n}.Cu"))
                .filter(|l| text.contains(&format!("\"{l}\""))),
        );
        let layer_list = layers.join(",");
        let mut dir = set_dir.clone().into_os_string();
        dir.push("/");
        self.run(&[
            OsStr::new("pcb"),
            OsStr::new("export"),
            OsStr::new("gerbers"),
            OsStr::new("--no-protel-ext"),
            OsStr::new("-l"),
            OsStr::new(&layer_list),
            OsStr::new("-o"),
            dir.as_os_str(),
            copy.as_os_str(),
        ])?;
        self.run(&[
            OsStr::new("pcb"),
            OsStr::new("export"),
            OsStr::new("drill"),
            OsStr::new("--format"),
            OsStr::new("excellon"),
            OsStr::new("--excellon-units"),
            OsStr::new("mm"),
            OsStr::new("--drill-origin"),
            OsStr::new("absolute"),
            OsStr::new("--excellon-separate-th"),
            OsStr::new("-o"),
            dir.as_os_str(),
            copy.as_os_str(),
        ])?;
        let pos_path = set_dir.join(format!("{stem}-all-pos.csv"));
        self.run(&[
            OsStr::new("pcb"),
            OsStr::new("export"),
            OsStr::new("pos"),
            OsStr::new("--format"),
            OsStr::new("csv"),
            OsStr::new("--units"),
            OsStr::new("mm"),
            OsStr::new("--side"),
            OsStr::new("both"),
            OsStr::new("-o"),
            pos_path.as_os_str(),
            copy.as_os_str(),
        ])?;
        let xml_path = out.join(format!("{stem}.xml"));
        self.run(&[
            OsStr::new("pcb"),
            OsStr::new("export"),
            OsStr::new("ipc2581"),
            OsStr::new("--version"),
            OsStr::new("C"),
            OsStr::new("--units"),
            OsStr::new("mm"),
            OsStr::new("--bom-col-mfg-pn"),
            OsStr::new("MPN"),
            OsStr::new("--bom-col-mfg"),
            OsStr::new("Manufacturer"),
            OsStr::new("-o"),
            xml_path.as_os_str(),
            copy.as_os_str(),
        ])?;

        let mut gerber_set: Vec<(String, Vec<u8>)> = std::fs::read_dir(&set_dir)
            .map_err(|e| e.to_string())?
            .flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                n.ends_with(".gbr") || n.ends_with(".drl") || n.ends_with("-pos.csv")
            })
            .filter_map(|e| {
                let bytes = std::fs::read(e.path()).ok()?;
                Some((e.file_name().to_string_lossy().into_owned(), bytes))
            })
            .collect();
        gerber_set.sort();
        let pos = std::fs::read_to_string(&pos_path).map_err(|e| e.to_string())?;
        gerber_set.push((
            format!("{stem}-bom.csv"),
            bom_from_positions(&pos).into_bytes(),
        ));
        let xml = std::fs::read(&xml_path).map_err(|e| e.to_string())?;
        Ok(DemoExport {
            gerber_set,
            ipc2581: (format!("{stem}.xml"), xml),
        })
    }
}

/// The part number given to a footprint of a demo board.
pub fn demo_mpn(value: &str, footprint: &str) -> String {
    format!("DEMO-{value}-{footprint}")
}

/// Reads a quoted s-expression string that starts at `s` (after the opening quote): its text
/// and the rest after the closing quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &s[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The board file with `MPN` and `Manufacturer` fields added to every footprint, just before
/// its `Value` field (KiCad 7+ board files write one field per line).
fn with_part_numbers(board: &str) -> String {
    let mut out = String::with_capacity(board.len() + board.len() / 8);
    let mut footprint: Option<String> = None;
    for line in board.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("(footprint \"") {
            footprint = quoted(rest).map(|(name, _)| match name.split_once(':') {
                Some((_, n)) => n.to_owned(),
                None => name,
            });
        } else if let (Some(rest), Some(fp)) = (
            t.strip_prefix("(property \"Value\" \""),
            footprint.as_deref(),
        ) {
            if let Some((value, _)) = quoted(rest) {
                let indent = &line[..line.len() - t.len()];
                out.push_str(&format!(
                    "{indent}(property \"MPN\" \"{}\" (at 0 0 0) (layer \"F.Fab\") (hide yes))\n",
                    escape(&demo_mpn(&value, fp))
                ));
                out.push_str(&format!(
                    "{indent}(property \"Manufacturer\" \"{}\" (at 0 0 0) (layer \"F.Fab\") (hide yes))\n",
                    escape(DEMO_MANUFACTURER)
                ));
            }
        }
        out.push_str(line);
    }
    out
}

/// A BOM in KiCad's CSV style from a position file (`Ref,Val,Package,…`): one line per value
/// and footprint, with the part numbers [`with_part_numbers`] gave the board.
pub fn bom_from_positions(pos: &str) -> String {
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (i, line) in pos.lines().enumerate() {
        if i == 0 || line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line);
        let field = |n: usize| fields.get(n).map_or("", |s| s.trim()).to_owned();
        if field(0).is_empty() {
            continue;
        }
        let refs = groups.entry((field(1), field(2))).or_default();
        if !refs.contains(&field(0)) {
            refs.push(field(0));
        }
    }
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out =
        String::from("\"Reference\",\"Value\",\"Footprint\",\"Qty\",\"MPN\",\"Manufacturer\"\n");
    for ((value, footprint), refs) in groups {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            q(&refs.join(",")),
            q(&value),
            q(&footprint),
            refs.len(),
            q(&demo_mpn(&value, &footprint)),
            q(DEMO_MANUFACTURER)
        ));
    }
    out
}

/// The fields of one CSV line (double quotes, `""` inside them).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = fields.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_go_before_the_value_field() {
        let board = "  (footprint \"lib:R_0603\"\n    (property \"Value\" \"10\\\"k\"\n  )\n";
        let out = with_part_numbers(board);
        assert!(
            out.contains("(property \"MPN\" \"DEMO-10\\\"k-R_0603\""),
            "{out}"
        );
        let mpn = out.find("\"MPN\"").unwrap_or(usize::MAX);
        let value = out.find("\"Value\"").unwrap_or(0);
        assert!(mpn < value, "{out}");
        assert!(out.contains("(property \"Manufacturer\" \"KiCad demo\""));
    }

    #[test]
    fn bom_groups_by_value_and_footprint() {
        let pos = "Ref,Val,Package,PosX,PosY,Rot,Side\n\"R1\",\"10k\",\"R_0603\",1,2,0,top\n\"R2\",\"10k\",\"R_0603\",3,4,0,top\n\"C1\",\"1\"\"u\",\"C_0603\",5,6,0,bottom\n";
        let bom = bom_from_positions(pos);
        assert!(
            bom.contains("\"R1,R2\",\"10k\",\"R_0603\",2,\"DEMO-10k-R_0603\""),
            "{bom}"
        );
        assert!(bom.contains("\"C1\",\"1\"\"u\""), "{bom}");
    }
}
