//! Typed test data: the steps of a station result (a name, a measured number or an observed
//! text, its unit, its limits and its verdict), checked when recorded, and their statistics per
//! build and station: yield per step and, for numeric steps, mean, standard deviation and Cpk.
//!
//! A step's limits are inclusive. A PASS step whose value lies outside them is refused, and so
//! is a PASS result with a FAIL step. The untyped `measurements` of a result stay as they were.

use super::model::StationEvent;
use super::model::StationResult;
use crate::context::ContextExt;
use crate::db::statement;
use crate::entities::{build, station_event, test_step};
use crate::error::{ApiError, ApiResult};
use crate::ids::parse_id;
use crate::tenancy::Actor;
use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

/// Most steps one station result may carry.
pub const MAX_STEPS: usize = 1000;

/// One step of a station result: a measurement (`value`, with `unit` and limits) or a check with
/// a text outcome (`textValue`), and its verdict.
#[derive(InputObject, Debug, Clone)]
pub struct TestStepInput {
    /// The step's name, unique within the result (e.g. `VCC_3V3`, `FLASH_CRC`).
    pub name: String,
    /// The measured number, for numeric steps.
    pub value: Option<f64>,
    /// The observed text, for non-numeric steps (e.g. a firmware version).
    pub text_value: Option<String>,
    /// The unit of `value` and the limits (e.g. `V`, `mA`, `Ohm`).
    pub unit: Option<String>,
    /// The lower limit, inclusive.
    pub low_limit: Option<f64>,
    /// The upper limit, inclusive.
    pub high_limit: Option<f64>,
    /// The step's verdict.
    pub result: StationResult,
}

/// A checked test step, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct TestStep {
    /// The step's name.
    pub name: String,
    /// The measured number.
    pub value: Option<f64>,
    /// The observed text.
    pub text_value: Option<String>,
    /// The unit.
    pub unit: Option<String>,
    /// The lower limit.
    pub low_limit: Option<f64>,
    /// The upper limit.
    pub high_limit: Option<f64>,
    /// The verdict.
    pub result: StationResult,
}

fn short_text(what: &str, value: &str, max: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ApiError::bad_input(format!(
            "{what} must have 1 to {max} printable characters"
        )));
    }
    Ok(value.to_owned())
}

/// Checks a result's steps against each other, their limits and the result's verdict.
pub fn parse_steps(inputs: Vec<TestStepInput>, overall: StationResult) -> ApiResult<Vec<TestStep>> {
    if inputs.len() > MAX_STEPS {
        return Err(ApiError::bad_input(format!(
            "a result has at most {MAX_STEPS} test steps"
        )));
    }
    let mut names = std::collections::HashSet::new();
    let mut steps = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = short_text("a test step's name", &input.name, 100)?;
        let at = |message: String| ApiError::bad_input(format!("test step {name}: {message}"));
        if !names.insert(name.to_ascii_lowercase()) {
            return Err(at("the name appears twice in one result".to_owned()));
        }
        let text_value = input
            .text_value
            .as_deref()
            .map(|t| short_text("a text value", t, 200))
            .transpose()
            .map_err(|e| at(e.message()))?;
        let unit = input
            .unit
            .as_deref()
            .map(|u| short_text("a unit", u, 32))
            .transpose()
            .map_err(|e| at(e.message()))?;
        for (what, number) in [
            ("value", input.value),
            ("lowLimit", input.low_limit),
            ("highLimit", input.high_limit),
        ] {
            if number.is_some_and(|n| !n.is_finite()) {
                return Err(at(format!("{what} must be a finite number")));
            }
        }
        match (input.value, &text_value) {
            (Some(_), Some(_)) => {
                return Err(at("give a value or a textValue, not both".to_owned()))
            }
            (None, None) => return Err(at("give a value or a textValue".to_owned())),
            (None, Some(_)) if input.low_limit.is_some() || input.high_limit.is_some() => {
                return Err(at("limits apply to numeric values only".to_owned()))
            }
            _ => {}
        }
        if let (Some(low), Some(high)) = (input.low_limit, input.high_limit) {
            if low > high {
                return Err(at(format!("lowLimit {low} is above highLimit {high}")));
            }
        }
        if let (Some(value), StationResult::Pass) = (input.value, input.result) {
            let below = input.low_limit.filter(|low| value < *low);
            let above = input.high_limit.filter(|high| value > *high);
            if let Some(limit) = below.or(above) {
                let side = if below.is_some() { "below" } else { "above" };
                return Err(at(format!(
                    "PASS with value {value} {side} its limit {limit}; a value outside its limits fails"
                )));
            }
        }
        if input.result == StationResult::Fail && overall == StationResult::Pass {
            return Err(at("the step FAILed, so the result cannot PASS".to_owned()));
        }
        steps.push(TestStep {
            name,
            value: input.value,
            text_value,
            unit,
            low_limit: input.low_limit,
            high_limit: input.high_limit,
            result: input.result,
        });
    }
    Ok(steps)
}

/// The rows of `steps` for a newly recorded event.
pub fn rows(event: &station_event::Model, steps: &[TestStep]) -> Vec<test_step::ActiveModel> {
    steps
        .iter()
        .enumerate()
        .map(|(position, step)| test_step::ActiveModel {
            id: Set(Uuid::now_v7()),
            station_event_id: Set(event.id),
            build_id: Set(event.build_id),
            station_id: Set(event.station_id),
            ems_id: Set(event.ems_id),
            position: Set(position as i32),
            name: Set(step.name.clone()),
            value: Set(step.value),
            text_value: Set(step.text_value.clone()),
            unit: Set(step.unit.clone()),
            low_limit: Set(step.low_limit),
            high_limit: Set(step.high_limit),
            result: Set(step.result.as_str().to_owned()),
            created_at: Set(event.created_at),
        })
        .collect()
}

/// A step as a row of the JSON document that PostgreSQL unpacks.
#[derive(serde::Serialize)]
struct StepRow {
    id: Uuid,
    station_event_id: Uuid,
    build_id: Uuid,
    station_id: Uuid,
    ems_id: Uuid,
    position: i32,
    name: String,
    value: Option<f64>,
    text_value: Option<String>,
    unit: Option<String>,
    low_limit: Option<f64>,
    high_limit: Option<f64>,
    result: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Stores step rows: on PostgreSQL as one JSON document unpacked by the database (a batch of
/// results has thousands of steps, and binding 14 values a row cost more than storing them),
/// elsewhere in multi-row inserts.
pub async fn insert(db: &impl ConnectionTrait, rows: Vec<test_step::ActiveModel>) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let rows = rows
            .into_iter()
            .map(|row| {
                let m: test_step::Model = sea_orm::TryIntoModel::try_into_model(row)?;
                Ok(StepRow {
                    id: m.id,
                    station_event_id: m.station_event_id,
                    build_id: m.build_id,
                    station_id: m.station_id,
                    ems_id: m.ems_id,
                    position: m.position,
                    name: m.name,
                    value: m.value,
                    text_value: m.text_value,
                    unit: m.unit,
                    low_limit: m.low_limit,
                    high_limit: m.high_limit,
                    result: m.result,
                    created_at: m.created_at,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
        let document = serde_json::to_string(&rows).map_err(ApiError::internal)?;
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "INSERT INTO test_steps (id, station_event_id, build_id, station_id, ems_id, position, \
             name, value, text_value, unit, low_limit, high_limit, result, created_at) \
             SELECT id, station_event_id, build_id, station_id, ems_id, position, name, value, \
             text_value, unit, low_limit, high_limit, result, created_at \
             FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, station_event_id uuid, \
             build_id uuid, station_id uuid, ems_id uuid, position integer, name text, \
             value double precision, text_value text, unit text, low_limit double precision, \
             high_limit double precision, result text, created_at timestamptz)",
            [document.into()],
        ))
        .await?;
        return Ok(());
    }
    for chunk in rows.chunks(1000) {
        test_step::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A recorded test step.
#[derive(SimpleObject, Clone, Debug)]
pub struct TestStepRecord {
    /// The step's name.
    pub name: String,
    /// The measured number, for numeric steps.
    pub value: Option<f64>,
    /// The observed text, for non-numeric steps.
    pub text_value: Option<String>,
    /// The unit of `value` and the limits.
    pub unit: Option<String>,
    /// The lower limit, inclusive.
    pub low_limit: Option<f64>,
    /// The upper limit, inclusive.
    pub high_limit: Option<f64>,
    /// The verdict.
    pub result: StationResult,
}

#[ComplexObject]
impl StationEvent {
    /// The result's typed test steps, in the order they were given (empty for untyped results).
    async fn test_steps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TestStepRecord>> {
        let id = parse_id(&self.id, "station event")?;
        let rows = test_step::Entity::find()
            .filter(test_step::Column::StationEventId.eq(id))
            .order_by_asc(test_step::Column::Position)
            .all(&ctx.state().db)
            .await
            .map_err(ApiError::from)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                Ok(TestStepRecord {
                    result: crate::error::stored::<StationResult>(&row.result)?,
                    name: row.name,
                    value: row.value,
                    text_value: row.text_value,
                    unit: row.unit,
                    low_limit: row.low_limit,
                    high_limit: row.high_limit,
                })
            })
            .collect::<ApiResult<_>>()?)
    }
}

/// How one test step did at one station of a build.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct TestStepStatistics {
    /// The station's name.
    pub station: String,
    /// The step's name.
    pub name: String,
    /// The unit of its values.
    pub unit: Option<String>,
    /// Times the step was recorded.
    pub count: i64,
    /// Times it passed.
    pub passed: i64,
    /// `passed / count`, from 0 to 1.
    pub step_yield: f64,
    /// Recorded numeric values (0 for text steps).
    pub numeric_count: i64,
    /// The mean of the numeric values.
    pub mean: Option<f64>,
    /// Their sample standard deviation (n − 1), with two values or more.
    pub standard_deviation: Option<f64>,
    /// The smallest value.
    pub min: Option<f64>,
    /// The largest value.
    pub max: Option<f64>,
    /// The tightest lower limit recorded.
    pub low_limit: Option<f64>,
    /// The tightest upper limit recorded.
    pub high_limit: Option<f64>,
    /// Process capability: min(highLimit − mean, mean − lowLimit) / 3σ, with one side when only
    /// one limit is given; none without limits or spread.
    pub cpk: Option<f64>,
}

#[derive(Debug, FromQueryResult)]
struct Aggregate {
    station: String,
    name: String,
    unit: Option<String>,
    n: i64,
    passed: i64,
    numeric: i64,
    total: Option<f64>,
    total_sq: Option<f64>,
    min_value: Option<f64>,
    max_value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

/// Mean, sample standard deviation and Cpk from counts and sums.
pub fn capability(
    n: i64,
    sum: f64,
    sum_sq: f64,
    low: Option<f64>,
    high: Option<f64>,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    if n == 0 {
        return (None, None, None);
    }
    let count = n as f64;
    let mean = sum / count;
    let sd = (n > 1).then(|| {
        ((sum_sq - count * mean * mean) / (count - 1.0))
            .max(0.0)
            .sqrt()
    });
    let cpk = sd.filter(|s| *s > 0.0).and_then(|s| {
        let upper = high.map(|h| (h - mean) / (3.0 * s));
        let lower = low.map(|l| (mean - l) / (3.0 * s));
        match (upper, lower) {
            (Some(u), Some(l)) => Some(u.min(l)),
            (one, other) => one.or(other),
        }
    });
    (Some(mean), sd, cpk)
}

/// Statistics of every step of a build (at one station, when named), in routing order.
pub async fn statistics(
    db: &impl ConnectionTrait,
    actor: &Actor,
    build_id: Uuid,
    station: Option<&str>,
) -> ApiResult<Vec<TestStepStatistics>> {
    let build = actor.load::<build::Entity>(db, build_id).await?;
    let mut sql = "SELECT s.name AS station, t.name AS name, MAX(t.unit) AS unit, \
            COUNT(*) AS n, SUM(CASE WHEN t.result = 'PASS' THEN 1 ELSE 0 END) AS passed, \
            COUNT(t.value) AS numeric, SUM(t.value) AS total, SUM(t.value * t.value) AS total_sq, \
            MIN(t.value) AS min_value, MAX(t.value) AS max_value, \
            MAX(t.low_limit) AS low, MIN(t.high_limit) AS high \
        FROM test_steps t JOIN build_stations s ON s.id = t.station_id \
        WHERE t.build_id = ?"
        .to_owned();
    let mut values: Vec<sea_orm::Value> = vec![build.id.into()];
    if let Some(station) = station {
        sql.push_str(" AND LOWER(s.name) = LOWER(?)");
        values.push(station.trim().to_owned().into());
    }
    sql.push_str(
        " GROUP BY s.position, s.name, t.name ORDER BY s.position, MIN(t.position), t.name",
    );
    let rows = Aggregate::find_by_statement(statement(db.get_database_backend(), &sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mean, standard_deviation, cpk) = capability(
                row.numeric,
                row.total.unwrap_or(0.0),
                row.total_sq.unwrap_or(0.0),
                row.low,
                row.high,
            );
            TestStepStatistics {
                station: row.station,
                name: row.name,
                unit: row.unit,
                count: row.n,
                passed: row.passed,
                step_yield: if row.n > 0 {
                    row.passed as f64 / row.n as f64
                } else {
                    0.0
                },
                numeric_count: row.numeric,
                mean,
                standard_deviation,
                min: row.min_value,
                max: row.max_value,
                low_limit: row.low,
                high_limit: row.high,
                cpk,
            }
        })
        .collect())
}

/// Test data queries.
#[derive(Default)]
pub struct TestStepsQuery;

#[Object]
impl TestStepsQuery {
    /// Yield per test step and, for numeric steps, mean, standard deviation and Cpk, for a
    /// build (at one station when `station` is given), in routing order. Both the EMS and the
    /// OEM of the build may ask.
    async fn test_step_statistics(
        &self,
        ctx: &Context<'_>,
        build_id: ID,
        station: Option<String>,
    ) -> async_graphql::Result<Vec<TestStepStatistics>> {
        let actor = ctx.reader()?;
        let id = parse_id(&build_id, "build")?;
        Ok(statistics(&ctx.state().db, actor, id, station.as_deref()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(
        value: f64,
        low: Option<f64>,
        high: Option<f64>,
        result: StationResult,
    ) -> TestStepInput {
        TestStepInput {
            name: "VCC".into(),
            value: Some(value),
            text_value: None,
            unit: Some("V".into()),
            low_limit: low,
            high_limit: high,
            result,
        }
    }

    #[test]
    fn a_pass_outside_its_limits_is_refused() {
        let pass = StationResult::Pass;
        assert!(parse_steps(vec![step(3.3, Some(3.2), Some(3.4), pass)], pass).is_ok());
        assert!(parse_steps(vec![step(3.5, Some(3.2), Some(3.4), pass)], pass).is_err());
        assert!(parse_steps(vec![step(3.1, Some(3.2), None, pass)], pass).is_err());
        let fail = StationResult::Fail;
        assert!(parse_steps(vec![step(3.5, Some(3.2), Some(3.4), fail)], fail).is_ok());
        assert!(parse_steps(vec![step(3.5, Some(3.2), Some(3.4), fail)], pass).is_err());
        assert!(parse_steps(vec![step(f64::NAN, None, None, pass)], pass).is_err());
        assert!(parse_steps(vec![step(3.3, Some(3.4), Some(3.2), fail)], fail).is_err());
    }

    #[test]
    fn capability_of_a_known_sample() {
        // 1, 2, 3: mean 2, sample sd 1; limits 0..5 → Cpk = min(3, 2) / 3.
        let (mean, sd, cpk) = capability(3, 6.0, 14.0, Some(0.0), Some(5.0));
        assert_eq!(mean, Some(2.0));
        assert!((sd.expect("sd") - 1.0).abs() < 1e-12);
        assert!((cpk.expect("cpk") - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(capability(3, 6.0, 14.0, None, None).2, None);
        assert_eq!(capability(1, 2.0, 4.0, Some(0.0), Some(5.0)).1, None);
    }
}
