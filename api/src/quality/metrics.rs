//! Quality figures over the NCRs and CAPAs the actor sees: open ones by age, median days to
//! close, and repeat defects (the same code at the same designator of the same product,
//! recorded after a corrective action that covered it closed).

use crate::entities::{build, capa, capa_ncr, defect, ncr, ncr_item};
use crate::error::ApiResult;
use crate::tenancy::Actor;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Upper bounds (in days) of the age buckets, and their labels; older goes to the last.
pub const AGE_BUCKETS: &[(i64, &str)] = &[
    (7, "0–7 days"),
    (30, "8–30 days"),
    (90, "31–90 days"),
    (i64::MAX, "over 90 days"),
];

/// Quality figures.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Open NCRs per age bucket, in [`AGE_BUCKETS`] order.
    pub open_ncrs: Vec<u32>,
    /// Open CAPAs per age bucket.
    pub open_capas: Vec<u32>,
    /// Median days from opening to closing of closed NCRs.
    pub median_days_to_close_ncr: Option<f64>,
    /// The same for CAPAs.
    pub median_days_to_close_capa: Option<f64>,
    /// Repeat defects: (CAPA number, defect code, designator, defects since it closed).
    pub repeats: Vec<(String, String, String, u32)>,
}

fn buckets(now: DateTime<Utc>, opened: impl Iterator<Item = DateTime<Utc>>) -> Vec<u32> {
    let mut out = vec![0; AGE_BUCKETS.len()];
    for at in opened {
        let days = (now - at).num_days();
        let i = AGE_BUCKETS
            .iter()
            .position(|(max, _)| days <= *max)
            .unwrap_or(AGE_BUCKETS.len() - 1);
        out[i] += 1;
    }
    out
}

fn median_days(spans: impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)>) -> Option<f64> {
    let mut days: Vec<f64> = spans
        .map(|(from, to)| (to - from).num_seconds() as f64 / 86_400.0)
        .collect();
    if days.is_empty() {
        return None;
    }
    days.sort_by(f64::total_cmp);
    let mid = days.len() / 2;
    let median = if days.len().is_multiple_of(2) {
        (days[mid - 1] + days[mid]) / 2.0
    } else {
        days[mid]
    };
    Some((median * 10.0).round() / 10.0)
}

/// The figures over what the actor sees, now.
pub async fn figures(db: &impl ConnectionTrait, actor: &Actor) -> ApiResult<Figures> {
    let now = Utc::now();
    let ncrs = actor.select::<ncr::Entity>().all(db).await?;
    let capas = actor.select::<capa::Entity>().all(db).await?;
    let open_ncrs = buckets(
        now,
        ncrs.iter()
            .filter(|n| n.closed_at.is_none())
            .map(|n| n.created_at),
    );
    let open_capas = buckets(
        now,
        capas
            .iter()
            .filter(|c| c.closed_at.is_none())
            .map(|c| c.created_at),
    );
    let median_days_to_close_ncr = median_days(
        ncrs.iter()
            .filter_map(|n| Some((n.created_at, n.closed_at?))),
    );
    let median_days_to_close_capa = median_days(
        capas
            .iter()
            .filter_map(|c| Some((c.created_at, c.closed_at?))),
    );

    // Repeat defects: what each closed CAPA covered, found again after it closed.
    let closed: HashMap<Uuid, &capa::Model> = capas
        .iter()
        .filter(|c| c.closed_at.is_some())
        .map(|c| (c.id, c))
        .collect();
    let mut repeats = Vec::new();
    if !closed.is_empty() {
        let links = capa_ncr::Entity::find()
            .filter(capa_ncr::Column::CapaId.is_in(closed.keys().copied()))
            .all(db)
            .await?;
        let items = ncr_item::Entity::find()
            .filter(ncr_item::Column::NcrId.is_in(links.iter().map(|l| l.ncr_id)))
            .filter(ncr_item::Column::DefectId.is_not_null())
            .all(db)
            .await?;
        let covered = defect::Entity::find()
            .filter(defect::Column::Id.is_in(items.iter().filter_map(|i| i.defect_id)))
            .all(db)
            .await?;
        let visible = actor.select::<build::Entity>().all(db).await?;
        let product_of: HashMap<Uuid, Uuid> =
            visible.iter().map(|b| (b.id, b.product_id)).collect();
        // (CAPA, product, code, designator) that each closed CAPA covered.
        let mut watched: BTreeMap<(String, Uuid, String, String), DateTime<Utc>> = BTreeMap::new();
        for link in &links {
            let Some(capa) = closed.get(&link.capa_id) else {
                continue;
            };
            for item in items.iter().filter(|i| i.ncr_id == link.ncr_id) {
                let Some(d) = covered.iter().find(|d| Some(d.id) == item.defect_id) else {
                    continue;
                };
                let Some(product) = product_of.get(&d.build_id) else {
                    continue;
                };
                if let Some(closed_at) = capa.closed_at {
                    watched.insert(
                        (
                            capa.number.clone(),
                            *product,
                            d.code.clone(),
                            d.designator.clone(),
                        ),
                        closed_at,
                    );
                }
            }
        }
        if let Some(since) = watched.values().min().copied() {
            let later = actor
                .select::<defect::Entity>()
                .filter(defect::Column::CreatedAt.gt(since))
                .filter(
                    defect::Column::Code.is_in(watched.keys().map(|(_, _, code, _)| code.clone())),
                )
                .all(db)
                .await?;
            for ((number, product, code, designator), closed_at) in &watched {
                let count = later
                    .iter()
                    .filter(|d| {
                        d.created_at > *closed_at
                            && &d.code == code
                            && &d.designator == designator
                            && product_of.get(&d.build_id) == Some(product)
                    })
                    .count() as u32;
                if count > 0 {
                    repeats.push((number.clone(), code.clone(), designator.clone(), count));
                }
            }
        }
    }
    Ok(Figures {
        open_ncrs,
        open_capas,
        median_days_to_close_ncr,
        median_days_to_close_capa,
        repeats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let t0 = Utc::now();
        let spans = [1, 2, 4, 10].map(|d| (t0, t0 + chrono::Duration::days(d)));
        assert_eq!(median_days(spans.into_iter()), Some(3.0));
        assert_eq!(median_days(std::iter::empty()), None);
    }

    #[test]
    fn ages_fall_in_their_buckets() {
        let now = Utc::now();
        let ages = [0, 7, 8, 31, 200].map(|d| now - chrono::Duration::days(d));
        assert_eq!(buckets(now, ages.into_iter()), vec![2, 1, 1, 1]);
    }
}
