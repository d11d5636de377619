//! Walking units inside units: from affected units up to the top-level units that hold them
//! now, and from a box down to every unit (and so every lot) inside it.
//!
//! The climb follows `units.parent_unit_id` (migration m0014 repeats each unit's current
//! installation edge on the unit): the primary-key read of a unit that gives its shipped state
//! also gives the unit above it, so each level costs one probe per unit on the way. Each unit
//! also names its outermost holder and whether that one shipped (m0022), so a trace asking for
//! top-level units of boards in boxes reads nothing beyond the boards ([`climb_joined`]);
//! deeper nesting, and climbs from given units, are one recursive query (`WITH RECURSIVE`, the
//! same text on SQLite and PostgreSQL). The descent follows the installation edges by parent
//! (indexed since m0008). The cost grows with the answer, not with the factory.

use super::service::MAX_DEPTH;
use crate::db::statement;
use crate::error::ApiResult;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// One step up from a unit: the unit it sits in and the position it holds there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The holding unit.
    pub parent: Uuid,
    /// The position the lower unit holds in it.
    pub position: String,
}

/// Ids per `IN (...)` list, well below both databases' limits on bound values.
const IN_CHUNK: usize = 1000;

/// An affected unit as the seed of a climb read it.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// Its build.
    pub build_id: Uuid,
    /// The designators the seed named on it (a lot's usages), in the order read.
    pub designators: Vec<String>,
    /// Whether it has shipped.
    pub shipped: bool,
}

/// What a climb found.
#[derive(Debug, Clone, Default)]
pub struct Climbed {
    /// The affected units, by id.
    pub starts: BTreeMap<Uuid, Start>,
    /// For each affected unit, the chain of units holding it now, innermost first (empty when
    /// it sits in nothing, i.e. it is its own top-level unit).
    pub chains: HashMap<Uuid, Vec<Step>>,
    /// The units met on the way (affected units and those above them) that have shipped.
    pub shipped: HashSet<Uuid>,
}

impl Climbed {
    fn extend(&mut self, other: Climbed) {
        for (id, start) in other.starts {
            let entry = self.starts.entry(id).or_insert_with(|| Start {
                build_id: start.build_id,
                designators: Vec::new(),
                shipped: start.shipped,
            });
            entry.designators.extend(start.designators);
        }
        self.chains.extend(other.chains);
        self.shipped.extend(other.shipped);
    }
}

/// The recursive climb over a seed: `seed` is a sub-query giving the affected units with the
/// columns `unit_id`, `build_id`, `designator`, `shipped_at`, `parent_unit_id` and
/// `parent_position` (read from `units` in the seed itself, so the first step costs nothing
/// more). It is pasted as is: its placeholders must already suit the backend, and the text
/// around it adds none.
pub fn climb_sql(backend: DatabaseBackend, seed: &str) -> String {
    // PostgreSQL would hash the whole units table once per step when it expects many rows; a
    // LATERAL sub-query kept apart by LIMIT makes each step a primary-key probe per unit.
    // SQLite always loops over the climbed rows and probes, and has no LATERAL.
    let step = if backend == DatabaseBackend::Postgres {
        "FROM up CROSS JOIN LATERAL (SELECT x.id, x.build_id, x.shipped_at, x.parent_unit_id, \
           x.parent_position FROM units x WHERE x.id = up.next_id LIMIT 1) AS p"
    } else {
        "FROM up JOIN units p ON p.id = up.next_id"
    };
    format!(
        "WITH RECURSIVE up(start_id, unit_id, build_id, designator, depth, position, shipped, \
             next_id, next_position) AS ( \
           SELECT s.unit_id, s.unit_id, s.build_id, CAST(s.designator AS TEXT), 0, \
             CAST('' AS TEXT), CASE WHEN s.shipped_at IS NULL THEN 0 ELSE 1 END, \
             s.parent_unit_id, CAST(s.parent_position AS TEXT) \
           FROM ({seed}) AS s \
           UNION ALL \
           SELECT up.start_id, p.id, p.build_id, CAST('' AS TEXT), up.depth + 1, \
             up.next_position, CASE WHEN p.shipped_at IS NULL THEN 0 ELSE 1 END, \
             p.parent_unit_id, CAST(p.parent_position AS TEXT) \
           {step} \
           WHERE up.depth < {MAX_DEPTH} \
         ) SELECT start_id, unit_id, build_id, designator, depth, position, shipped FROM up"
    )
}

/// Runs a climb ([`climb_sql`] with its seed's bound values) and gathers what it found.
pub async fn run_climb(db: &impl ConnectionTrait, statement: Statement) -> ApiResult<Climbed> {
    let rows = db.query_all_raw(statement).await?;
    let mut starts: BTreeMap<Uuid, Start> = BTreeMap::new();
    let mut chains: HashMap<Uuid, BTreeMap<i32, Step>> = HashMap::new();
    let mut shipped = HashSet::new();
    for row in rows {
        let start: Uuid = row.try_get("", "start_id")?;
        let unit: Uuid = row.try_get("", "unit_id")?;
        let is_shipped = row
            .try_get::<i64>("", "shipped")
            .or_else(|_| row.try_get::<i32>("", "shipped").map(i64::from))?
            != 0;
        if is_shipped {
            shipped.insert(unit);
        }
        let depth: i32 = row
            .try_get::<i64>("", "depth")
            .map(|d| d as i32)
            .or_else(|_| row.try_get::<i32>("", "depth"))?;
        let chain = chains.entry(start).or_default();
        if depth == 0 {
            let designator: String = row.try_get("", "designator")?;
            let entry = starts.entry(start).or_insert_with(|| Start {
                build_id: Uuid::nil(),
                designators: Vec::new(),
                shipped: is_shipped,
            });
            entry.build_id = row.try_get("", "build_id")?;
            if !designator.is_empty() {
                entry.designators.push(designator);
            }
        } else {
            chain.insert(
                depth,
                Step {
                    parent: unit,
                    position: row.try_get("", "position")?,
                },
            );
        }
    }
    Ok(Climbed {
        starts,
        chains: chains
            .into_iter()
            .map(|(start, steps)| (start, steps.into_values().collect()))
            .collect(),
        shipped,
    })
}

/// The affected units a one-level trace statement reads, each with its holder and its
/// outermost holder (`top_unit_id`, `top_shipped_at`, kept on the unit since m0022): for a
/// board in a box, the read of the board answers the box and whether it shipped, so two
/// levels cost the random reads of one. The few units whose holder sits in yet another unit
/// are climbed further with [`climb`]. `seed` gives the columns `unit_id`, `build_id`,
/// `designator`, `shipped_at`, `parent_unit_id`, `parent_position`, `top_unit_id` and
/// `top_shipped_at`, with its values bound for the backend (the text around it adds no
/// placeholder).
///
/// Two levels (boards in boxes) are the common case: then the whole trace is this one
/// statement. It measured better than the recursive climb seeded with the same rows, and
/// than a join to the holders, which doubled the random reads (see the `box_trace` bench).
pub async fn climb_joined(
    db: &impl ConnectionTrait,
    seed: &str,
    values: Vec<Value>,
) -> ApiResult<Climbed> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT s.unit_id, s.build_id, s.designator, \
           CASE WHEN s.shipped_at IS NULL THEN 0 ELSE 1 END AS shipped, \
           s.parent_unit_id, s.parent_position, s.top_unit_id, \
           CASE WHEN s.top_shipped_at IS NULL THEN 0 ELSE 1 END AS top_shipped \
         FROM ({seed}) AS s"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let flag = |row: &sea_orm::QueryResult, column: &str| -> ApiResult<bool> {
        Ok(row
            .try_get::<i64>("", column)
            .or_else(|_| row.try_get::<i32>("", column).map(i64::from))?
            != 0)
    };
    let mut out = Climbed::default();
    // Holders that sit in another unit: climbed from, after this statement.
    let mut deeper: HashSet<Uuid> = HashSet::new();
    for row in rows {
        let unit: Uuid = row.try_get("", "unit_id")?;
        let designator: String = row.try_get("", "designator")?;
        let shipped = flag(&row, "shipped")?;
        if shipped {
            out.shipped.insert(unit);
        }
        let start = out.starts.entry(unit).or_insert_with(|| Start {
            build_id: Uuid::nil(),
            designators: Vec::new(),
            shipped,
        });
        start.build_id = row.try_get("", "build_id")?;
        start.designators.push(designator);
        if out.chains.contains_key(&unit) {
            continue;
        }
        let chain = match row.try_get::<Option<Uuid>>("", "parent_unit_id")? {
            None => Vec::new(),
            Some(parent) => {
                let top = row.try_get::<Option<Uuid>>("", "top_unit_id")?;
                if top == Some(parent) {
                    if flag(&row, "top_shipped")? {
                        out.shipped.insert(parent);
                    }
                } else {
                    deeper.insert(parent);
                }
                let position: Option<String> = row.try_get("", "parent_position")?;
                vec![Step {
                    parent,
                    position: position.unwrap_or_default(),
                }]
            }
        };
        out.chains.insert(unit, chain);
    }
    if !deeper.is_empty() {
        let holders: Vec<Uuid> = deeper.into_iter().collect();
        let above = climb(db, &holders).await?;
        for chain in out.chains.values_mut() {
            let more = chain.last().and_then(|s| above.chains.get(&s.parent));
            if let Some(more) = more {
                chain.extend(more.iter().cloned());
            }
        }
        out.shipped.extend(above.shipped);
    }
    Ok(out)
}

/// The columns a climb's seed gives, read from `units u` (no designator).
const UNIT_SEED: &str = "u.id AS unit_id, u.build_id, CAST('' AS TEXT) AS designator, \
    u.shipped_at, u.parent_unit_id, u.parent_position";

/// Climbs from a list of unit ids to the units holding them now.
pub async fn climb(db: &impl ConnectionTrait, units: &[Uuid]) -> ApiResult<Climbed> {
    let backend = db.get_database_backend();
    let mut out = Climbed::default();
    for chunk in units.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let seed = format!("SELECT {UNIT_SEED} FROM units u WHERE u.id IN ({placeholders})");
        let values: Vec<Value> = chunk.iter().map(|id| (*id).into()).collect();
        let part = run_climb(db, statement(backend, &climb_sql(backend, &seed), values)).await?;
        out.extend(part);
    }
    Ok(out)
}

/// The affected units of some lots, climbed: `lot_usages` seeds the walk in the database.
pub async fn climb_from_lots(db: &impl ConnectionTrait, lots: &[Uuid]) -> ApiResult<Climbed> {
    let backend = db.get_database_backend();
    let mut out = Climbed::default();
    for chunk in lots.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        // No DISTINCT: SQLite would then walk every usage in unit order to skip the sort; a
        // unit holding the lot twice only climbs twice, and the chains are keyed by unit.
        let seed = format!(
            "SELECT l.unit_id, l.build_id, l.designator, u.shipped_at, u.parent_unit_id, \
               u.parent_position \
             FROM lot_usages l JOIN units u ON u.id = l.unit_id WHERE l.lot_id IN ({placeholders})"
        );
        let values: Vec<Value> = chunk.iter().map(|id| (*id).into()).collect();
        let part = run_climb(db, statement(backend, &climb_sql(backend, &seed), values)).await?;
        out.extend(part);
    }
    Ok(out)
}

/// A unit inside a box (the box itself at depth 0), with the units and positions above it.
#[derive(Debug, Clone)]
pub struct Inside {
    /// The unit.
    pub unit: Uuid,
    /// How deep: 0 for the box itself.
    pub depth: i32,
    /// The unit that holds it (none for the box).
    pub parent: Option<Uuid>,
    /// The position it holds there.
    pub position: String,
}

/// Every unit inside `root` now, at any depth, the root first.
pub async fn descend(db: &impl ConnectionTrait, root: Uuid) -> ApiResult<Vec<Inside>> {
    let sql = format!(
        "WITH RECURSIVE down(unit_id, parent_id, depth, position) AS ( \
           SELECT id, id, 0, CAST('' AS TEXT) FROM units WHERE id = ? \
           UNION ALL \
           SELECT e.child_id, e.parent_id, down.depth + 1, CAST(e.position AS TEXT) \
           FROM down JOIN unit_installations e \
             ON e.parent_id = down.unit_id AND e.removed_at IS NULL \
           WHERE down.depth < {MAX_DEPTH} \
         ) SELECT unit_id, parent_id, depth, position FROM down ORDER BY depth, position"
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(statement(backend, &sql, vec![root.into()]))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut inside = Inside {
            unit: row.try_get("", "unit_id")?,
            parent: Some(row.try_get("", "parent_id")?),
            depth: row
                .try_get::<i64>("", "depth")
                .map(|d| d as i32)
                .or_else(|_| row.try_get::<i32>("", "depth"))?,
            position: row.try_get("", "position")?,
        };
        if inside.depth == 0 {
            inside.parent = None;
        }
        out.push(inside);
    }
    Ok(out)
}
