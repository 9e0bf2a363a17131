//! The write path's shared steps: record_counts kept in step.

use kean_core::Kind;
use sqlx::AnyConnection;

use crate::error::Result;

use super::args::*;

/// Keeps record_counts in step, inside the writing transaction: the counts,
/// and the generation every write of the kind advances.
pub(crate) async fn bump_counts(conn: &mut AnyConnection, kind: Kind, active: i64, archived: i64) -> Result<()> {
    q(
        "UPDATE record_counts SET active = active + $1, archived = archived + $2, generation = generation + 1 \
         WHERE kind = $3"
            .into(),
        vec![
            Arg::Int(Some(active)),
            Arg::Int(Some(archived)),
            Arg::Text(Some(kind.table().to_string())),
        ],
    )
    .execute(conn)
    .await?;
    Ok(())
}
