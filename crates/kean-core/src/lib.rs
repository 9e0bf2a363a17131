//! kean-core — the pure domain of kean (科安).
//!
//! Everything here is deterministic and free of I/O: values are validated on
//! construction, the current time is always passed in by the caller, and the
//! permission policy is a pure function of (actor, action, kind). Storage,
//! web and CLI crates build on these types; none of them re-implement a rule
//! that lives here.

pub mod attachment;
pub mod audit;
pub mod audit_seal;
pub mod checklist;
pub mod codes;
pub mod confidentiality;
pub mod country;
pub mod error;
pub mod lifecycle;
pub mod money;
pub mod policy;
pub mod record;
pub mod risk;
pub mod schema;
pub mod submission;

pub use error::{ErrorCode, FieldError};
pub use money::Fen;
pub use policy::{Action, Actor, Role, Scope};
pub use record::{Fields, Record, Value};
pub use schema::{Field, FieldType, Kind};

/// A source of the current time. Injected everywhere so that tests and
/// replays control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> chrono::DateTime<chrono::Utc>;
}

/// Formats a timestamp the single way kean stores and audits it:
/// RFC 3339, UTC, millisecond precision (sorts lexicographically).
pub fn format_ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A stored timestamp as people in China read it: China Standard Time
/// (UTC+8), `2026-11-29 21:05:20`. Text that is not a stored timestamp is
/// returned unchanged.
pub fn display_time(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => {
            let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*t.offset());
            t.with_timezone(&cst).format("%Y-%m-%d %H:%M:%S").to_string()
        }
        Err(_) => ts.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_display_in_china_standard_time() {
        assert_eq!(super::display_time("2026-11-29T13:05:20.302Z"), "2026-11-29 21:05:20");
        assert_eq!(super::display_time("2026-12-31T20:00:00.000Z"), "2027-01-01 04:00:00");
        assert_eq!(super::display_time("garbage"), "garbage");
    }
}
