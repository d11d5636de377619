//! Walking units inside units: from affected units up to the top-level units that hold them
//! now, and from a box down to every unit (and so every lot) inside it.
//!
//! Both walks are one recursive query (`WITH RECURSIVE`, the same text on SQLite and
//! PostgreSQL) over the current installation edges, which the partial unique indexes of
//! migration m0008 index by child and by parent: each step is one index probe per unit on the
//! way, so the cost grows with the answer, not with the factory.

use super::service::MAX_DEPTH;
use crate::db::statement;
use crate::error::ApiResult;
use sea_orm::{ConnectionTrait, Value};
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

/// What a climb found.
#[derive(Debug, Clone, Default)]
pub struct Climbed {
    /// For each affected unit, the chain of units holding it now, innermost first (empty when
    /// it sits in nothing, i.e. it is its own top-level unit).
    pub chains: HashMap<Uuid, Vec<Step>>,
    /// The units met on the way (affected units and those above them) that have shipped.
    pub shipped: HashSet<Uuid>,
}

/// Climbs from affected units to the units holding them now. `seed` is a sub-query giving the
/// affected unit ids in a column `unit_id`, with its bound values. Each unit met is read by
/// primary key in the same statement for its shipped state (a scalar sub-query, so that
/// SQLite walks the climbed rows and probes `units`, never the other way round).
pub async fn climb_from(
    db: &impl ConnectionTrait,
    seed: &str,
    values: Vec<Value>,
) -> ApiResult<Climbed> {
    let backend = db.get_database_backend();
    // PostgreSQL would hash the whole edge table once per step when it expects many rows; a
    // LATERAL sub-query makes each step an index probe per unit. SQLite always loops and
    // probes, and has no LATERAL.
    let step = if backend == sea_orm::DatabaseBackend::Postgres {
        "FROM up CROSS JOIN LATERAL (SELECT i.parent_id, i.position FROM unit_installations i \
           WHERE i.child_id = up.unit_id AND i.removed_at IS NULL) AS e"
    } else {
        "FROM up JOIN unit_installations e ON e.child_id = up.unit_id AND e.removed_at IS NULL"
    };
    let sql = format!(
        "WITH RECURSIVE up(start_id, unit_id, depth, position) AS ( \
           SELECT s.unit_id, s.unit_id, 0, CAST('' AS TEXT) FROM ({seed}) AS s \
           UNION ALL \
           SELECT up.start_id, e.parent_id, up.depth + 1, CAST(e.position AS TEXT) \
           {step} \
           WHERE up.depth < {MAX_DEPTH} \
         ) SELECT up.start_id, up.unit_id, up.depth, up.position, \
             (SELECT CASE WHEN u.shipped_at IS NULL THEN 0 ELSE 1 END \
              FROM units u WHERE u.id = up.unit_id) AS shipped \
           FROM up"
    );
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut chains: HashMap<Uuid, BTreeMap<i32, Step>> = HashMap::new();
    let mut shipped = HashSet::new();
    for row in rows {
        let start: Uuid = row.try_get("", "start_id")?;
        let unit: Uuid = row.try_get("", "unit_id")?;
        let is_shipped = row
            .try_get::<i64>("", "shipped")
            .or_else(|_| row.try_get::<i32>("", "shipped").map(i64::from))?;
        if is_shipped != 0 {
            shipped.insert(unit);
        }
        let depth: i32 = row
            .try_get::<i64>("", "depth")
            .map(|d| d as i32)
            .or_else(|_| row.try_get::<i32>("", "depth"))?;
        let position: String = row.try_get("", "position")?;
        let chain = chains.entry(start).or_default();
        if depth > 0 {
            chain.insert(
                depth,
                Step {
                    parent: unit,
                    position,
                },
            );
        }
    }
    Ok(Climbed {
        chains: chains
            .into_iter()
            .map(|(start, steps)| (start, steps.into_values().collect()))
            .collect(),
        shipped,
    })
}

/// [`climb_from`] for a list of unit ids.
pub async fn climb(db: &impl ConnectionTrait, units: &[Uuid]) -> ApiResult<Climbed> {
    let mut out = Climbed::default();
    for chunk in units.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let seed = format!("SELECT id AS unit_id FROM units WHERE id IN ({placeholders})");
        let part = climb_from(db, &seed, chunk.iter().map(|id| (*id).into()).collect()).await?;
        out.chains.extend(part.chains);
        out.shipped.extend(part.shipped);
    }
    Ok(out)
}

/// The affected units of some lots, climbed: `lot_usages` seeds the walk in the database.
pub async fn climb_from_lots(db: &impl ConnectionTrait, lots: &[Uuid]) -> ApiResult<Climbed> {
    let mut out = Climbed::default();
    for chunk in lots.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        // No DISTINCT: SQLite would then walk every usage in unit order to skip the sort; a
        // unit holding the lot twice only climbs twice, and the chains are keyed by unit.
        let seed = format!("SELECT unit_id FROM lot_usages WHERE lot_id IN ({placeholders})");
        let part = climb_from(db, &seed, chunk.iter().map(|id| (*id).into()).collect()).await?;
        out.chains.extend(part.chains);
        out.shipped.extend(part.shipped);
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
