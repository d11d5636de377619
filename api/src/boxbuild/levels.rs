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
use std::collections::{BTreeMap, HashMap};
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

/// For each affected unit, the chain of units holding it now, innermost first (empty when it
/// sits in nothing, i.e. it is its own top-level unit). `seed` is a sub-query giving the
/// affected unit ids in a column `unit_id`, with its bound values.
pub async fn climb_from(
    db: &impl ConnectionTrait,
    seed: &str,
    values: Vec<Value>,
) -> ApiResult<HashMap<Uuid, Vec<Step>>> {
    let sql = format!(
        "WITH RECURSIVE up(start_id, unit_id, depth, position) AS ( \
           SELECT s.unit_id, s.unit_id, 0, CAST('' AS TEXT) FROM ({seed}) AS s \
           UNION ALL \
           SELECT up.start_id, e.parent_id, up.depth + 1, CAST(e.position AS TEXT) \
           FROM up JOIN unit_installations e \
             ON e.child_id = up.unit_id AND e.removed_at IS NULL \
           WHERE up.depth < {MAX_DEPTH} \
         ) SELECT start_id, unit_id, depth, position FROM up"
    );
    let backend = db.get_database_backend();
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut chains: HashMap<Uuid, BTreeMap<i32, Step>> = HashMap::new();
    for row in rows {
        let start: Uuid = row.try_get("", "start_id")?;
        let unit: Uuid = row.try_get("", "unit_id")?;
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
    Ok(chains
        .into_iter()
        .map(|(start, steps)| (start, steps.into_values().collect()))
        .collect())
}

/// [`climb_from`] for a list of unit ids.
pub async fn climb(
    db: &impl ConnectionTrait,
    units: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Step>>> {
    let mut out = HashMap::with_capacity(units.len());
    for chunk in units.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let seed = format!("SELECT id AS unit_id FROM units WHERE id IN ({placeholders})");
        out.extend(climb_from(db, &seed, chunk.iter().map(|id| (*id).into()).collect()).await?);
    }
    Ok(out)
}

/// The affected units of some lots, climbed: `lot_usages` seeds the walk in the database.
pub async fn climb_from_lots(
    db: &impl ConnectionTrait,
    lots: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<Step>>> {
    let mut out = HashMap::new();
    for chunk in lots.chunks(IN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let seed =
            format!("SELECT DISTINCT unit_id FROM lot_usages WHERE lot_id IN ({placeholders})");
        out.extend(climb_from(db, &seed, chunk.iter().map(|id| (*id).into()).collect()).await?);
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
