//! What a first article asks for beyond the board: each stated standard's class (listed on
//! form 1) and its characteristics (enclosure fit, finish and labelling at IPC-A-630; harness
//! workmanship, and crimp height and pull test at IPC/WHMA-A-620 class 3), plus one check
//! per line of a box-build BOM.

use super::service;
use crate::entities::npi_package;
use crate::error::ApiResult;
use firstpass_shared::boxbuild::{BoxBomLineKind, IpcStandard};
use firstpass_shared::domain::IpcClass;
use firstpass_shared::fai::{CharacteristicKind, StandardClassLine};
use sea_orm::ConnectionTrait;

/// A characteristic to add: kind, position (as the designator), requirement, method.
pub type Addition = (CharacteristicKind, Option<String>, String, String);

fn class_number(class: IpcClass) -> &'static str {
    match class {
        IpcClass::Class1 => "1",
        IpcClass::Class2 => "2",
        IpcClass::Class3 => "3",
    }
}

/// The standards a package states, for form 1, and the characteristics they and a box-build
/// BOM add to form 3 (nothing for a board stating IPC-A-610 alone).
pub async fn additions(
    db: &impl ConnectionTrait,
    package: &npi_package::Model,
) -> ApiResult<(Vec<StandardClassLine>, Vec<Addition>)> {
    let standards = service::standards_of(db, package).await?;
    let lines = service::bom_lines(db, package.id).await?;
    let mut out = Vec::new();
    for (standard, class) in &standards {
        let n = class_number(*class);
        match standard {
            IpcStandard::IpcA610 => {}
            IpcStandard::IpcA630 => {
                out.push((
                    CharacteristicKind::Visual,
                    None,
                    format!("Enclosure fit and finish: seams, gaps, scratches and damage within IPC-A-630 class {n} limits"),
                    "Visual inspection against the drawing".to_owned(),
                ));
                out.push((
                    CharacteristicKind::Visual,
                    None,
                    "Labelling: product label, serial, regulatory marks legible, durable and placed as drawn".to_owned(),
                    "Visual inspection against the label drawing".to_owned(),
                ));
                out.push((
                    CharacteristicKind::Torque,
                    None,
                    format!("Fasteners present and torqued as specified (IPC-A-630 class {n})"),
                    "Torque check on a sample of fasteners".to_owned(),
                ));
            }
            IpcStandard::IpcWhmaA620 => {
                out.push((
                    CharacteristicKind::Visual,
                    None,
                    format!("Cables and harnesses: terminations, routing, strain relief and marking to IPC/WHMA-A-620 class {n}"),
                    "Visual inspection".to_owned(),
                ));
                if *class == IpcClass::Class3 {
                    out.push((
                        CharacteristicKind::Dimension,
                        None,
                        "Crimp height of each crimped termination within the terminal maker's specification".to_owned(),
                        "Crimp height micrometer; record the values".to_owned(),
                    ));
                    out.push((
                        CharacteristicKind::Other,
                        None,
                        "Pull test of crimped terminations at the force IPC/WHMA-A-620 class 3 requires".to_owned(),
                        "Pull tester; record force and result".to_owned(),
                    ));
                }
            }
        }
    }
    for line in &lines {
        let kind: BoxBomLineKind = crate::error::stored(&line.kind)?;
        let (characteristic, requirement, method) = match kind {
            BoxBomLineKind::Subassembly => (
                CharacteristicKind::Other,
                format!(
                    "{}: {} rev {} installed, its serial recorded",
                    line.position,
                    line.part_number,
                    line.child_revision.as_deref().unwrap_or("?")
                ),
                "Unit record (installSubassembly) and visual",
            ),
            BoxBomLineKind::Bought => (
                CharacteristicKind::Visual,
                format!(
                    "{}: {} × {} fitted as drawn, lot recorded",
                    line.position, line.quantity, line.part_number
                ),
                "Visual inspection and lot record",
            ),
            BoxBomLineKind::Firmware => (
                CharacteristicKind::Other,
                format!(
                    "{}: firmware {} loaded, SHA-256 matching the released image",
                    line.position,
                    line.firmware_version
                        .as_deref()
                        .unwrap_or(&line.part_number)
                ),
                "Unit identity (recordUnitIdentity)",
            ),
        };
        out.push((
            characteristic,
            Some(line.position.clone()),
            requirement,
            method.to_owned(),
        ));
    }
    // A board stating IPC-A-610 alone already shows its class on form 1.
    let only_610 = standards.len() == 1 && standards[0].0 == IpcStandard::IpcA610;
    let listed = standards
        .into_iter()
        .filter(|_| !only_610)
        .map(|(standard, class)| StandardClassLine {
            standard: standard.title().to_owned(),
            class: class.as_str().to_owned(),
        })
        .collect();
    Ok((listed, out))
}
