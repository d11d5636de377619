//! One serialized board or box of a build.

use sea_orm::entity::prelude::*;

/// A row of `units`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The build.
    pub build_id: Uuid,
    /// The EMS (serials are unique per EMS).
    pub ems_id: Uuid,
    /// Serial number.
    pub serial: String,
    /// IN_WORK, ON_HOLD, COMPLETED, SCRAPPED or SHIPPED.
    pub status: String,
    /// Position of the next station to pass; the routing length once complete.
    pub next_position: i32,
    /// Whether any station result was FAIL (then not first-pass).
    pub failed_ever: bool,
    /// The shipment, once shipped.
    pub shipment_id: Option<Uuid>,
    /// When it was serialized.
    pub created_at: DateTimeUtc,
    /// When it passed the last station.
    pub completed_at: Option<DateTimeUtc>,
    /// When it shipped.
    pub shipped_at: Option<DateTimeUtc>,
    /// The unit it is installed in now (repeats the current `unit_installations` edge).
    pub parent_unit_id: Option<Uuid>,
    /// The position it holds in that unit.
    pub parent_position: Option<String>,
    /// The outermost unit holding it now, at any depth (none when it sits in nothing).
    pub top_unit_id: Option<Uuid>,
    /// When that outermost unit shipped (a box ships as a whole; its contents keep
    /// `shipped_at` empty).
    pub top_shipped_at: Option<DateTimeUtc>,
}

/// No navigable relations: joins are written where they are needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Every column of `units` in declaration order, each prefixed `u.`: the select list that
/// [`Model::from_position`] reads back.
pub const COLUMNS_OF_U: &str = "u.id, u.build_id, u.ems_id, u.serial, u.status, \
    u.next_position, u.failed_ever, u.shipment_id, u.created_at, u.completed_at, u.shipped_at, \
    u.parent_unit_id, u.parent_position, u.top_unit_id, u.top_shipped_at";

impl Model {
    /// A row selected with [`COLUMNS_OF_U`], read by position: a page of units is decoded
    /// without looking up each column by name.
    pub fn from_position(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            id: row.try_get_by_index(0)?,
            build_id: row.try_get_by_index(1)?,
            ems_id: row.try_get_by_index(2)?,
            serial: row.try_get_by_index(3)?,
            status: row.try_get_by_index(4)?,
            next_position: row.try_get_by_index(5)?,
            failed_ever: row.try_get_by_index(6)?,
            shipment_id: row.try_get_by_index(7)?,
            created_at: row.try_get_by_index(8)?,
            completed_at: row.try_get_by_index(9)?,
            shipped_at: row.try_get_by_index(10)?,
            parent_unit_id: row.try_get_by_index(11)?,
            parent_position: row.try_get_by_index(12)?,
            top_unit_id: row.try_get_by_index(13)?,
            top_shipped_at: row.try_get_by_index(14)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// The positional select list names every column, in the order `from_position` reads.
    #[test]
    fn positional_columns_follow_the_entity() {
        let expected: Vec<String> = Column::iter()
            .map(|c| format!("u.{}", c.as_str()))
            .collect();
        let listed: Vec<String> = COLUMNS_OF_U
            .split(',')
            .map(|c| c.trim().to_owned())
            .collect();
        assert_eq!(listed, expected);
    }
}
