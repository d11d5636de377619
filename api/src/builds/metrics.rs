//! Measures: progress per station, first-pass yield, DPMO, defect Pareto, yield by station,
//! on-time delivery. The formulas are written in the GraphQL descriptions of `BuildMetrics` and
//! `OrganizationMetrics`, and follow DOMAIN.md.

use super::model::{
    BuildMetrics, DefectCode, DefectCount, OrganizationMetrics, Station, StationProgress,
    StationResult, StationYield, UnitStatus, WeeklyMetrics,
};
use super::service::placed_designators;
use crate::entities::{build, defect, shipment, station_event, unit};
use crate::error::ApiResult;
use crate::tenancy::Actor;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Units waiting at, held at and past each station of a build.
pub async fn progress(
    db: &impl ConnectionTrait,
    build: &build::Model,
) -> ApiResult<Vec<StationProgress>> {
    let stations = super::model::stations(db, build.id).await?;
    let counts: Vec<(i32, UnitStatus, i64)> = unit::Entity::find()
        .select_only()
        .column(unit::Column::NextPosition)
        .column(unit::Column::Status)
        .column_as(unit::Column::Id.count(), "n")
        .filter(unit::Column::BuildId.eq(build.id))
        .group_by(unit::Column::NextPosition)
        .group_by(unit::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    stations
        .into_iter()
        .map(|station| {
            let at = |status: UnitStatus| {
                counts
                    .iter()
                    .filter(|(p, s, _)| *p == station.position && *s == status)
                    .map(|(_, _, n)| *n)
                    .sum::<i64>() as i32
            };
            let passed = counts
                .iter()
                .filter(|(p, _, _)| *p > station.position)
                .map(|(_, _, n)| *n)
                .sum::<i64>() as i32;
            Ok(StationProgress {
                waiting: at(UnitStatus::InWork),
                on_hold: at(UnitStatus::OnHold),
                passed,
                station: Station::from_row(station)?,
            })
        })
        .collect()
}

/// The measures of one build.
pub async fn build_metrics(
    db: &impl ConnectionTrait,
    build: &build::Model,
) -> ApiResult<BuildMetrics> {
    let units: Vec<(Uuid, UnitStatus, bool)> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::Status)
        .column(unit::Column::FailedEver)
        .filter(unit::Column::BuildId.eq(build.id))
        .into_tuple()
        .all(db)
        .await?;
    let events: Vec<(Uuid, Uuid, StationResult)> = station_event::Entity::find()
        .select_only()
        .column(station_event::Column::UnitId)
        .column(station_event::Column::StationId)
        .column(station_event::Column::Result)
        .filter(station_event::Column::BuildId.eq(build.id))
        .order_by_asc(station_event::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let codes: Vec<DefectCode> = defect::Entity::find()
        .select_only()
        .column(defect::Column::Code)
        .filter(defect::Column::BuildId.eq(build.id))
        .into_tuple()
        .all(db)
        .await?;
    let stations = super::model::stations(db, build.id).await?;
    let opportunities = placed_designators(db, build.package_id).await?.len();

    let started: HashSet<Uuid> = events.iter().map(|(u, _, _)| *u).collect();
    let completed = units
        .iter()
        .filter(|(_, s, _)| matches!(s, UnitStatus::Completed | UnitStatus::Shipped));
    let completed_count = completed.clone().count();
    let first_pass = completed.filter(|(_, _, failed)| !failed).count();
    let scrapped = units
        .iter()
        .filter(|(_, s, _)| *s == UnitStatus::Scrapped)
        .count();

    let mut per_code: HashMap<DefectCode, i32> = HashMap::new();
    for code in &codes {
        *per_code.entry(*code).or_default() += 1;
    }
    let mut defects_by_code = per_code
        .into_iter()
        .map(|(code, count)| DefectCount { code, count })
        .collect::<Vec<_>>();
    defects_by_code.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.code.as_str().cmp(b.code.as_str()))
    });

    // First result of each unit at each station decides first-time yield there.
    let mut first_results: HashMap<(Uuid, Uuid), bool> = HashMap::new();
    for (unit_id, station_id, result) in &events {
        first_results
            .entry((*unit_id, *station_id))
            .or_insert(*result == StationResult::Pass);
    }
    let yield_by_station = stations
        .iter()
        .map(|station| {
            let tested = first_results.iter().filter(|((_, s), _)| *s == station.id);
            let total = tested.clone().count();
            let passed = tested.filter(|(_, pass)| **pass).count();
            StationYield {
                station: station.name.clone(),
                tested: total as i32,
                passed_first_time: passed as i32,
                first_time_yield: ratio(passed, total),
            }
        })
        .collect();
    let inspected = started.len() * opportunities;
    Ok(BuildMetrics {
        units_started: started.len() as i32,
        units_completed: completed_count as i32,
        units_scrapped: scrapped as i32,
        first_pass_yield: ratio(first_pass, completed_count + scrapped),
        dpmo: ratio(codes.len() * 1_000_000, inspected),
        opportunities_per_unit: opportunities as i32,
        defects: codes.len() as i32,
        defects_by_code,
        yield_by_station,
    })
}

/// A unit's id, build, status, whether it ever failed, and when it reached its outcome.
type UnitOutcome = (Uuid, Uuid, UnitStatus, bool, Option<DateTime<Utc>>);

fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The measures over a period for everything the actor may see.
pub async fn organization_metrics(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ApiResult<OrganizationMetrics> {
    let builds = actor.select::<build::Entity>().all(db).await?;
    let build_ids: Vec<Uuid> = builds.iter().map(|b| b.id).collect();
    let due: HashMap<Uuid, NaiveDate> = builds.iter().map(|b| (b.id, b.due_date)).collect();

    // On-time delivery over builds with a shipment in the period.
    let shipments: Vec<(Uuid, DateTime<Utc>)> = shipment::Entity::find()
        .select_only()
        .column(shipment::Column::BuildId)
        .column(shipment::Column::ShippedAt)
        .filter(shipment::Column::BuildId.is_in(build_ids.clone()))
        .filter(shipment::Column::ShippedAt.gte(from))
        .filter(shipment::Column::ShippedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let mut last_shipment: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for (build_id, at) in shipments {
        let entry = last_shipment.entry(build_id).or_insert(at);
        if at > *entry {
            *entry = at;
        }
    }
    let on_time = last_shipment
        .iter()
        .filter(|(b, at)| due.get(b).is_some_and(|d| at.date_naive() <= *d))
        .count();

    // Units that reached an outcome in the period.
    let units: Vec<UnitOutcome> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::BuildId)
        .column(unit::Column::Status)
        .column(unit::Column::FailedEver)
        .column(unit::Column::CompletedAt)
        .filter(unit::Column::BuildId.is_in(build_ids))
        .filter(unit::Column::CompletedAt.gte(from))
        .filter(unit::Column::CompletedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let unit_ids: Vec<Uuid> = units.iter().map(|u| u.0).collect();
    let mut defects_per_unit: HashMap<Uuid, usize> = HashMap::new();
    for chunk in unit_ids.chunks(5000) {
        let rows: Vec<Uuid> = defect::Entity::find()
            .select_only()
            .column(defect::Column::UnitId)
            .filter(defect::Column::UnitId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for unit_id in rows {
            *defects_per_unit.entry(unit_id).or_default() += 1;
        }
    }
    let mut opportunities: HashMap<Uuid, usize> = HashMap::new();
    for b in &builds {
        if let std::collections::hash_map::Entry::Vacant(entry) = opportunities.entry(b.id) {
            entry.insert(placed_designators(db, b.package_id).await?.len());
        }
    }
    let first_pass = |u: &&UnitOutcome| u.2 != UnitStatus::Scrapped && !u.3;
    let defects: usize = defects_per_unit.values().sum();
    let chances: usize = units
        .iter()
        .map(|u| opportunities.get(&u.1).copied().unwrap_or(0))
        .sum();

    let mut weeks: BTreeMap<NaiveDate, (usize, usize, usize)> = BTreeMap::new();
    for u in &units {
        if let Some(at) = u.4 {
            let entry = weeks.entry(week_start(at)).or_default();
            entry.0 += 1;
            if first_pass(&u) {
                entry.1 += 1;
            }
            entry.2 += defects_per_unit.get(&u.0).copied().unwrap_or(0);
        }
    }
    Ok(OrganizationMetrics {
        on_time_delivery: ratio(on_time, last_shipment.len()),
        builds_shipped: last_shipment.len() as i32,
        first_pass_yield: ratio(units.iter().filter(first_pass).count(), units.len()),
        dpmo: ratio(defects * 1_000_000, chances),
        weekly: weeks
            .into_iter()
            .map(|(week_start, (n, fp, d))| WeeklyMetrics {
                week_start,
                units_with_outcome: n as i32,
                first_pass_yield: ratio(fp, n),
                defects: d as i32,
            })
            .collect(),
    })
}
