//! The set-based statements of the station-result write path, in one place.
//!
//! A batch of results reads its units and idempotency keys, inserts its events and updates its
//! units with a fixed number of statements whatever its size. On PostgreSQL each statement
//! carries its whole set as one parameter (an array, or the rows as one JSON document unpacked
//! by `jsonb_to_recordset`), so the statement text never changes with the batch size: it is
//! planned once per connection and binds one value instead of thousands. SQLite gets the same
//! sets as `IN` lists and multi-row `INSERT`s in chunks under its bound-variable limit.

use crate::entities::{station_event, unit};
use crate::error::ApiResult;
use sea_orm::sea_query::{ArrayType, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Statement, Value,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// Ids per `IN (...)` list on SQLite: well below its limit of 32,766 bound variables.
const IN_CHUNK: usize = 1000;
/// Rows per multi-row `INSERT` of station events on SQLite (an event row binds 10).
const INSERT_CHUNK: usize = 500;

fn is_postgres(txn: &DatabaseTransaction) -> bool {
    txn.get_database_backend() == DbBackend::Postgres
}

fn text_array<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(
        ArrayType::String,
        Some(Box::new(
            items
                .into_iter()
                .map(|s| Value::String(Some(s.to_owned())))
                .collect(),
        )),
    )
}

/// Loads the units of EMS `ems_id` with these serials and, on PostgreSQL, locks them in
/// ascending id order (the same order in every call, so two calls cannot deadlock): what this
/// transaction then sees of them cannot change before it ends. SQLite already serializes
/// writers (`BEGIN IMMEDIATE`).
pub async fn lock_units(
    txn: &DatabaseTransaction,
    ems_id: Uuid,
    serials: &BTreeSet<&str>,
) -> ApiResult<HashMap<Uuid, unit::Model>> {
    let mut found = Vec::with_capacity(serials.len());
    if is_postgres(txn) {
        // One index probe per serial whatever the statistics say, and the rows are locked as
        // they leave the sort, so in id order.
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT u.* FROM unnest($2::text[]) AS s(serial) \
             JOIN units u ON u.ems_id = $1 AND u.serial = s.serial \
             ORDER BY u.id FOR UPDATE OF u",
            [ems_id.into(), text_array(serials.iter().copied())],
        );
        found = unit::Entity::find()
            .from_raw_sql(statement)
            .all(txn)
            .await?;
    } else {
        let serials: Vec<&str> = serials.iter().copied().collect();
        for chunk in serials.chunks(IN_CHUNK) {
            found.extend(
                unit::Entity::find()
                    .filter(unit::Column::EmsId.eq(ems_id))
                    .filter(unit::Column::Serial.is_in(chunk.iter().copied()))
                    .all(txn)
                    .await?,
            );
        }
    }
    Ok(found.into_iter().map(|u| (u.id, u)).collect())
}

/// The station events of EMS `ems_id` that carry one of these idempotency keys, by key.
pub async fn events_by_key(
    txn: &DatabaseTransaction,
    ems_id: Uuid,
    keys: &BTreeSet<&str>,
) -> ApiResult<HashMap<String, station_event::Model>> {
    let mut found = Vec::new();
    if keys.is_empty() {
        // Nothing to look up.
    } else if is_postgres(txn) {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            // One probe of the unique (ems_id, key) index per key, whatever the statistics
            // say: the `LIMIT 1` (exact, the pair is unique) keeps the subquery per key.
            "SELECT e.* FROM unnest($2::text[]) AS k(key) CROSS JOIN LATERAL \
             (SELECT * FROM station_events WHERE ems_id = $1 AND idempotency_key = k.key \
             LIMIT 1) AS e",
            [ems_id.into(), text_array(keys.iter().copied())],
        );
        found = station_event::Entity::find()
            .from_raw_sql(statement)
            .all(txn)
            .await?;
    } else {
        let keys: Vec<&str> = keys.iter().copied().collect();
        for chunk in keys.chunks(IN_CHUNK) {
            found.extend(
                station_event::Entity::find()
                    .filter(station_event::Column::EmsId.eq(ems_id))
                    .filter(station_event::Column::IdempotencyKey.is_in(chunk.iter().copied()))
                    .all(txn)
                    .await?,
            );
        }
    }
    Ok(found
        .into_iter()
        .filter_map(|event| Some((event.idempotency_key.clone()?, event)))
        .collect())
}

/// A station event as a row of the JSON document that PostgreSQL unpacks.
#[derive(Serialize)]
struct EventRow<'a> {
    id: Uuid,
    unit_id: Uuid,
    build_id: Uuid,
    station_id: Uuid,
    ems_id: Uuid,
    result: &'a str,
    measurements: &'a str,
    idempotency_key: Option<&'a str>,
    recorded_by: &'a str,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Inserts new station events. The database's error is returned as it is, so the caller can
/// tell a unique-key race from other failures.
pub async fn insert_events(
    txn: &DatabaseTransaction,
    events: &[station_event::Model],
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    if is_postgres(txn) {
        let rows: Vec<EventRow<'_>> = events
            .iter()
            .map(|e| EventRow {
                id: e.id,
                unit_id: e.unit_id,
                build_id: e.build_id,
                station_id: e.station_id,
                ems_id: e.ems_id,
                result: &e.result,
                measurements: &e.measurements,
                idempotency_key: e.idempotency_key.as_deref(),
                recorded_by: &e.recorded_by,
                created_at: e.created_at,
            })
            .collect();
        let document = serde_json::to_string(&rows).map_err(|e| DbErr::Custom(e.to_string()))?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO station_events (id, unit_id, build_id, station_id, ems_id, result, \
             measurements, idempotency_key, recorded_by, created_at) \
             SELECT id, unit_id, build_id, station_id, ems_id, result, measurements, \
             idempotency_key, recorded_by, created_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, unit_id uuid, build_id uuid, \
             station_id uuid, ems_id uuid, result text, measurements text, \
             idempotency_key text, recorded_by text, created_at timestamptz)",
            [document.into()],
        ))
        .await?;
        return Ok(());
    }
    for chunk in events.chunks(INSERT_CHUNK) {
        station_event::Entity::insert_many(
            chunk.iter().cloned().map(station_event::ActiveModel::from),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// The state a batch leaves a unit in, as one row of the update.
#[derive(Serialize, PartialEq, Eq, Hash)]
struct UnitState<'a> {
    status: &'a str,
    next_position: i32,
    failed_ever: bool,
    completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl<'a> From<&'a unit::Model> for UnitState<'a> {
    fn from(unit: &'a unit::Model) -> Self {
        Self {
            status: &unit.status,
            next_position: unit.next_position,
            failed_ever: unit.failed_ever,
            completed_at: unit.completed_at,
        }
    }
}

/// Writes the state (status, next station, first-pass flag, completion) of these units as
/// they stand in memory: one statement on PostgreSQL, one per group of units that end alike
/// on SQLite.
pub async fn update_units(txn: &DatabaseTransaction, units: &[&unit::Model]) -> ApiResult<()> {
    if units.is_empty() {
        return Ok(());
    }
    if is_postgres(txn) {
        #[derive(Serialize)]
        struct Row<'a> {
            id: Uuid,
            #[serde(flatten)]
            state: UnitState<'a>,
        }
        let rows: Vec<Row<'_>> = units
            .iter()
            .map(|u| Row {
                id: u.id,
                state: UnitState::from(*u),
            })
            .collect();
        let document = serde_json::to_string(&rows).map_err(crate::error::ApiError::internal)?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE units AS u SET status = v.status, next_position = v.next_position, \
             failed_ever = v.failed_ever, completed_at = v.completed_at \
             FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, status text, \
             next_position integer, failed_ever boolean, completed_at timestamptz) \
             WHERE u.id = v.id",
            [document.into()],
        ))
        .await?;
        return Ok(());
    }
    let mut alike: HashMap<UnitState<'_>, Vec<Uuid>> = HashMap::new();
    for unit in units {
        alike
            .entry(UnitState::from(*unit))
            .or_default()
            .push(unit.id);
    }
    for (state, ids) in alike {
        for chunk in ids.chunks(IN_CHUNK) {
            unit::Entity::update_many()
                .col_expr(unit::Column::Status, Expr::value(state.status))
                .col_expr(unit::Column::NextPosition, Expr::value(state.next_position))
                .col_expr(unit::Column::FailedEver, Expr::value(state.failed_ever))
                .col_expr(unit::Column::CompletedAt, Expr::value(state.completed_at))
                .filter(unit::Column::Id.is_in(chunk.iter().copied()))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Loads units by id (those of first events a batch answers again), in id order.
pub async fn units_by_id(txn: &DatabaseTransaction, ids: &[Uuid]) -> ApiResult<Vec<unit::Model>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        found.extend(
            unit::Entity::find()
                .filter(unit::Column::Id.is_in(chunk.iter().copied()))
                .order_by_asc(unit::Column::Id)
                .all(txn)
                .await?,
        );
    }
    Ok(found)
}
