//! GraphQL types of supply: purchase orders, alternates, attrition and clear-to-build.

use super::service::{LineStatus, Order};
use crate::entities::{alternate_part, purchase_order_line};
use async_graphql::{InputObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use firstpass_shared::supply::{AlternateStatus, MaterialSource, PartClass, PPM_PER_PERCENT};

/// A purchase order the EMS placed.
#[derive(SimpleObject, Clone, Debug)]
pub struct PurchaseOrder {
    /// Unique id.
    pub id: ID,
    /// The EMS's order number.
    pub po_number: String,
    /// Who supplies it.
    pub supplier: String,
    /// The build it was placed for, if any.
    pub build_id: Option<ID>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// What was ordered, by line number.
    pub lines: Vec<PurchaseOrderLine>,
}

impl From<Order> for PurchaseOrder {
    fn from(order: Order) -> Self {
        Self {
            id: ID(order.order.id.to_string()),
            po_number: order.order.po_number,
            supplier: order.order.supplier,
            build_id: order.order.build_id.map(|b| ID(b.to_string())),
            created_at: order.order.created_at,
            lines: order.lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// One part on a purchase order.
#[derive(SimpleObject, Clone, Debug)]
pub struct PurchaseOrderLine {
    /// Unique id.
    pub id: ID,
    /// 1-based line number.
    pub line_no: i32,
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Parts ordered.
    pub quantity: i32,
    /// Parts received so far.
    pub received_quantity: i32,
    /// Parts still to come.
    pub open_quantity: i32,
    /// When the supplier promised them.
    pub promised_date: NaiveDate,
}

impl From<purchase_order_line::Model> for PurchaseOrderLine {
    fn from(row: purchase_order_line::Model) -> Self {
        Self {
            id: ID(row.id.to_string()),
            line_no: row.line_no,
            open_quantity: (row.quantity - row.received_quantity).max(0),
            mpn: row.mpn,
            manufacturer: row.manufacturer,
            quantity: row.quantity,
            received_quantity: row.received_quantity,
            promised_date: row.promised_date,
        }
    }
}

/// A line of a new purchase order.
#[derive(InputObject, Debug)]
pub struct PurchaseOrderLineInput {
    /// Manufacturer part number.
    pub mpn: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Parts ordered.
    pub quantity: i32,
    /// When the supplier promised them.
    pub promised_date: NaiveDate,
}

/// A purchase order to record.
#[derive(InputObject, Debug)]
pub struct PurchaseOrderInput {
    /// The EMS's order number, unique per EMS.
    pub po_number: String,
    /// Who supplies it.
    pub supplier: String,
    /// The build it is placed for, if any.
    pub build_id: Option<ID>,
    /// What is ordered (1 to 500 lines).
    pub lines: Vec<PurchaseOrderLineInput>,
}

/// Parts of an order line received as one lot.
#[derive(InputObject, Debug)]
pub struct PurchaseOrderReceiptInput {
    /// Parts received.
    pub quantity: i32,
    /// The manufacturer's lot code.
    pub lot_code: String,
    /// Date code.
    #[graphql(default)]
    pub date_code: String,
    /// The EMS's reel id, unique per EMS.
    pub reel_id: String,
}

/// A lot received against an order line, and the line after it.
#[derive(SimpleObject, Clone, Debug)]
pub struct PurchaseOrderReceipt {
    /// The lot the parts became.
    pub lot: crate::builds::model::ComponentLot,
    /// The order line, with what is received now.
    pub line: PurchaseOrderLine,
}

/// An alternate part proposed for a BOM part, and the OEM's decision.
#[derive(SimpleObject, Clone, Debug)]
pub struct AlternatePart {
    /// Unique id.
    pub id: ID,
    /// The package whose BOM it serves.
    pub package_id: ID,
    /// The BOM's MPN.
    pub mpn: String,
    /// The alternate's MPN.
    pub alternate_mpn: String,
    /// The alternate's manufacturer.
    pub alternate_manufacturer: String,
    /// Why the EMS proposes it.
    pub reason: String,
    /// PROPOSED, APPROVED or REJECTED; only APPROVED counts as supply.
    pub status: AlternateStatus,
    /// When it was proposed.
    pub proposed_at: DateTime<Utc>,
    /// When the OEM decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The OEM's note.
    pub decision_note: Option<String>,
}

impl TryFrom<alternate_part::Model> for AlternatePart {
    type Error = crate::error::ApiError;
    fn try_from(row: alternate_part::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ID(row.id.to_string()),
            package_id: ID(row.package_id.to_string()),
            status: crate::error::stored::<AlternateStatus>(&row.status)?,
            mpn: row.mpn,
            alternate_mpn: row.alternate_mpn,
            alternate_manufacturer: row.alternate_manufacturer,
            reason: row.reason,
            proposed_at: row.proposed_at,
            decided_at: row.decided_at,
            decision_note: row.decision_note,
        })
    }
}

/// The attrition an EMS plans for a part class.
#[derive(SimpleObject, Clone, Debug)]
pub struct AttritionRate {
    /// The part class.
    pub part_class: PartClass,
    /// Parts added on top of the placements, in percent.
    pub percent: f64,
}

/// Percent from parts per million.
fn percent(ppm: u32) -> f64 {
    f64::from(ppm) / f64::from(PPM_PER_PERCENT)
}

impl AttritionRate {
    /// A class and its rate in parts per million.
    pub fn new(part_class: PartClass, ppm: u32) -> Self {
        Self {
            part_class,
            percent: percent(ppm),
        }
    }
}

/// One BOM part of a build: what it needs, what serves it, and when it is clear.
#[derive(SimpleObject, Clone, Debug)]
pub struct MaterialLine {
    /// The BOM's MPN.
    pub mpn: String,
    /// Its manufacturer, as the BOM names it.
    pub manufacturer: Option<String>,
    /// The BOM's description.
    pub description: Option<String>,
    /// The designators it places.
    pub designators: Vec<String>,
    /// The class its designators tell (for attrition).
    pub part_class: PartClass,
    /// Who supplies it: TURNKEY (the EMS buys it) or CONSIGNED (the OEM sends it).
    pub source: MaterialSource,
    /// Approved alternates, counted as supply.
    pub alternates: Vec<String>,
    /// Placements per unit.
    pub placements_per_unit: i32,
    /// Attrition planned, in percent.
    pub attrition_percent: f64,
    /// Parts the build needs: placements × units plus attrition, rounded up.
    pub needed: i32,
    /// Parts already placed on this build's units (lot usage).
    pub used: i32,
    /// Parts of this MPN and its approved alternates on hand (received, not yet placed).
    pub on_hand: i32,
    /// Of those, parts earlier-due open builds take first.
    pub allocated_to_other_builds: i32,
    /// Parts on hand for this build: on hand less what earlier builds take.
    pub available: i32,
    /// Parts still open on purchase orders of this MPN and its alternates.
    pub on_order: i32,
    /// Parts this build still lacks now: what remains to place less what is available.
    pub shortage: i32,
    /// Of the shortage, parts that no open purchase order covers.
    pub uncovered: i32,
    /// Whether everything it needs is on hand now.
    pub clear_now: bool,
    /// When it will be clear: the promised date of the last order line it waits for; null
    /// when it is clear now or when nothing ordered covers it.
    pub clear_date: Option<NaiveDate>,
    /// Whether it is clear only after the build's due date (or never).
    pub pushes_due_date: bool,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl MaterialLine {
    /// The line of a build due on `due`.
    pub fn new(line: LineStatus, due: NaiveDate) -> Self {
        let a = &line.allocation;
        let shortage = a.shortage();
        Self {
            placements_per_unit: int(u64::from(line.per_unit)),
            attrition_percent: percent(line.attrition_ppm),
            needed: int(line.needed),
            used: int(line.used),
            on_hand: int(a.on_hand),
            allocated_to_other_builds: int(a.allocated_to_earlier),
            available: int(a.on_hand.saturating_sub(a.allocated_to_earlier)),
            on_order: int(a.on_order),
            shortage: int(shortage),
            uncovered: int(a.uncovered),
            clear_now: shortage == 0,
            clear_date: a.clear_date,
            pushes_due_date: a.uncovered > 0 || a.clear_date.is_some_and(|d| d > due),
            mpn: line.mpn,
            manufacturer: line.manufacturer,
            description: line.description,
            designators: line.designators,
            part_class: line.part_class,
            source: line.source,
            alternates: line.alternates,
        }
    }
}

/// Clear-to-build of one build.
#[derive(SimpleObject, Clone, Debug)]
pub struct MaterialStatus {
    /// Whether every part is on hand now.
    pub clear_now: bool,
    /// When every part will be on hand: the latest clear date of its lines; null when it is
    /// clear now or when a line has nothing ordered to cover it.
    pub clear_date: Option<NaiveDate>,
    /// Whether some line is clear only after the build's due date (or never).
    pub pushes_due_date: bool,
    /// Lines short now.
    pub short_lines: i32,
    /// Lines short with nothing ordered to cover them.
    pub uncovered_lines: i32,
    /// The BOM's parts, shortages first: uncovered ones, then the latest clear date first,
    /// then the clear ones in BOM order.
    pub lines: Vec<MaterialLine>,
}

impl MaterialStatus {
    /// The status of a build due on `due` from its lines (already shortages first). A build
    /// that is not open has no lines: everything it needed is past.
    pub fn new(lines: Vec<LineStatus>, due: NaiveDate) -> Self {
        let lines: Vec<MaterialLine> = lines
            .into_iter()
            .map(|l| MaterialLine::new(l, due))
            .collect();
        let short_lines = lines.iter().filter(|l| !l.clear_now).count();
        let uncovered_lines = lines.iter().filter(|l| l.uncovered > 0).count();
        Self {
            clear_now: short_lines == 0,
            clear_date: if uncovered_lines > 0 {
                None
            } else {
                lines.iter().filter_map(|l| l.clear_date).max()
            },
            pushes_due_date: lines.iter().any(|l| l.pushes_due_date),
            short_lines: short_lines as i32,
            uncovered_lines: uncovered_lines as i32,
            lines,
        }
    }
}

/// One open build a part gates, in the demand view.
#[derive(SimpleObject, Clone, Debug)]
pub struct GatedBuild {
    /// The build.
    pub build_id: ID,
    /// Its product's part number.
    pub part_number: String,
    /// Its phase.
    pub phase: firstpass_shared::domain::BuildPhase,
    /// Its due date.
    pub due_date: NaiveDate,
    /// Its line of the part, as its material status shows it.
    pub line: MaterialLine,
}

/// A part that open builds are short of, with the builds it gates.
#[derive(SimpleObject, Clone, Debug)]
pub struct PartDemand {
    /// The BOM's MPN.
    pub mpn: String,
    /// Its manufacturer, as a BOM names it.
    pub manufacturer: Option<String>,
    /// Parts short over those builds.
    pub shortage: i32,
    /// Of those, parts with nothing ordered to cover them.
    pub uncovered: i32,
    /// When the last of those builds will have it; null when some of it is not covered.
    pub clear_date: Option<NaiveDate>,
    /// How many of those builds it pushes past their due date.
    pub builds_pushed_past_due: i32,
    /// The builds short of it, earliest due first.
    pub builds: Vec<GatedBuild>,
}

impl TryFrom<super::service::PartDemand> for PartDemand {
    type Error = crate::error::ApiError;

    fn try_from(part: super::service::PartDemand) -> Result<Self, Self::Error> {
        let builds: Vec<GatedBuild> = part
            .builds
            .into_iter()
            .map(|n| {
                Ok(GatedBuild {
                    build_id: ID(n.build.id.to_string()),
                    part_number: n.part_number,
                    phase: crate::error::stored(&n.build.phase)?,
                    due_date: n.build.due_date,
                    line: MaterialLine::new(n.line, n.build.due_date),
                })
            })
            .collect::<Result<_, Self::Error>>()?;
        let uncovered: i32 = builds.iter().map(|b| b.line.uncovered).sum();
        Ok(Self {
            mpn: part.mpn,
            manufacturer: part.manufacturer,
            shortage: builds.iter().map(|b| b.line.shortage).sum(),
            uncovered,
            clear_date: if uncovered > 0 {
                None
            } else {
                builds.iter().filter_map(|b| b.line.clear_date).max()
            },
            builds_pushed_past_due: builds.iter().filter(|b| b.line.pushes_due_date).count() as i32,
            builds,
        })
    }
}
