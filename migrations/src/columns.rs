//! Column and key helpers the migrations share. They only build statements; once a migration
//! has shipped, these must keep producing the same schema, so change them only by adding.

use sea_orm_migration::prelude::*;

/// A UUID primary key.
pub fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

/// A required UUID.
pub fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

/// Required text of at most `len` characters.
pub fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

/// A required timestamp with time zone.
pub fn time(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// A foreign key that refuses to delete a referenced row.
pub fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// An index (unique or not) on columns given by name.
pub fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for col in cols {
        statement.col(Alias::new(*col));
    }
    if unique {
        statement.unique();
    }
    statement
}
