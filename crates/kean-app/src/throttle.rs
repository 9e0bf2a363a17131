//! Failed logins: exponential backoff instead of a lock, and their audit
//! records gathered per source address.
//!
//! A failure counts against three keys: the username with the source
//! address (the pair), the source address (any username), and the username
//! (any address). Each key may fail a few times freely; after that every
//! further failure doubles the time before that key may try again:
//!
//! | key | free failures | then waits | at most |
//! |---|---|---|---|
//! | username from one address | 2 | 2 s, 4 s, 8 s … | 15 min |
//! | one address, any username | 10 | 1 s, 2 s, 4 s … | 15 min |
//! | username, any address | 10 | 1 s, 2 s, 4 s … | 60 s |
//!
//! The username is counted as written, whether or not an account has it,
//! so an unknown name backs off exactly like a known one. The account-wide
//! key (against guessing from many addresses) waits at most a minute and
//! does not hold back an address the account logged in from successfully
//! within the last 30 days: an attacker elsewhere cannot lock the officer
//! out. A key forgets its failures 15 minutes after its wait ended (after
//! its last failure, if it had none to wait). Attempts
//! refused while a key waits are not checked and do not count as failures.
//!
//! Audit: the first failure from an address in a 15-minute window is
//! recorded at once (who, which name, why); the window's further failures
//! and refused attempts are counted and recorded as one `login_failures`
//! record when it ends — a flood from one address is two records per
//! window, not one per attempt.
//!
//! The state is per process and bounded in size; times come from the
//! application's clock (the tests move it).

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a key remembers its failures after the last one, and the
/// length of an audit window.
const WINDOW: Duration = Duration::minutes(15);
/// How long a successful login exempts its address from the account-wide
/// backoff.
const TRUST: Duration = Duration::days(30);
/// Entries kept per map before the oldest are forgotten.
const CAP: usize = 100_000;
/// Usernames named in one window's summary.
const NAMES: usize = 20;

#[derive(Debug, Clone, Copy)]
struct Rule {
    free: u32,
    first: i64,
    max: i64,
}

const PAIR: Rule = Rule {
    free: 2,
    first: 2,
    max: 15 * 60,
};
const SOURCE: Rule = Rule {
    free: 10,
    first: 1,
    max: 15 * 60,
};
const ACCOUNT: Rule = Rule {
    free: 10,
    first: 1,
    max: 60,
};

impl Rule {
    /// The wait after `failures` failures in a row.
    fn wait(self, failures: u32) -> Duration {
        if failures < self.free + 1 {
            return Duration::zero();
        }
        let doublings = (failures - self.free - 1).min(20);
        Duration::seconds((self.first << doublings).min(self.max))
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    last: DateTime<Utc>,
    until: DateTime<Utc>,
}

/// One address's audit window.
#[derive(Debug, Clone)]
struct Flood {
    start: DateTime<Utc>,
    failures: u64,
    refused: u64,
    names: BTreeSet<String>,
}

#[derive(Default)]
struct State {
    pairs: HashMap<(String, IpAddr), Counter>,
    sources: HashMap<IpAddr, Counter>,
    accounts: HashMap<String, Counter>,
    /// Addresses each username logged in from, and when.
    trusted: HashMap<String, Vec<(IpAddr, DateTime<Utc>)>>,
    floods: HashMap<IpAddr, Flood>,
    /// Summaries of ended windows not yet recorded.
    ended: Vec<FloodSummary>,
}

/// A window that ended with attempts beyond its first failure: the
/// content of a `login_failures` audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FloodSummary {
    pub source: IpAddr,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Failures after the first (which has its own record).
    pub failures: u64,
    /// Attempts refused while a backoff lasted.
    pub refused: u64,
    pub names: Vec<String>,
}

/// What a failure means for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Noted {
    /// The first failure of the address's window: record it.
    First,
    /// Counted into the window's summary.
    Counted,
}

#[derive(Default)]
pub(crate) struct LoginGuard {
    state: Mutex<State>,
}

/// A key's counter, unless it has been forgotten: 15 minutes after its
/// wait ended (after its last failure, if it had no wait).
fn fresh(c: Option<&Counter>, now: DateTime<Utc>) -> Option<Counter> {
    c.copied().filter(|c| now - c.until.max(c.last) < WINDOW)
}

fn bump<K: Eq + Hash>(map: &mut HashMap<K, Counter>, key: K, rule: Rule, now: DateTime<Utc>) {
    let failures = fresh(map.get(&key), now).map_or(0, |c| c.failures) + 1;
    if map.len() >= CAP && !map.contains_key(&key) {
        map.retain(|_, c| now - c.until.max(c.last) < WINDOW);
        if map.len() >= CAP {
            // Still full of live keys (a flood of distinct names or
            // addresses): start afresh rather than grow without bound.
            map.clear();
        }
    }
    map.insert(
        key,
        Counter {
            failures,
            last: now,
            until: now + rule.wait(failures),
        },
    );
}

impl LoginGuard {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long `name` from `source` must still wait, if at all; a refused
    /// attempt is counted into the address's audit window.
    pub(crate) fn wait(&self, name: &str, source: IpAddr, now: DateTime<Utc>) -> Option<Duration> {
        let mut st = self.lock();
        let trusted = st
            .trusted
            .get(name)
            .is_some_and(|t| t.iter().any(|(ip, at)| *ip == source && now - *at < TRUST));
        let pair = fresh(st.pairs.get(&(name.to_string(), source)), now).map(|c| c.until);
        let by_source = fresh(st.sources.get(&source), now).map(|c| c.until);
        let account = if trusted {
            None
        } else {
            fresh(st.accounts.get(name), now).map(|c| c.until)
        };
        let until = [pair, by_source, account].into_iter().flatten().max()?;
        if until <= now {
            return None;
        }
        if let Some(f) = st.floods.get_mut(&source).filter(|f| now - f.start < WINDOW) {
            f.refused += 1;
            if f.names.len() < NAMES {
                f.names.insert(name.to_string());
            }
        }
        Some(until - now)
    }

    /// Counts a failed attempt of `name` from `source`.
    pub(crate) fn failed(&self, name: &str, source: IpAddr, now: DateTime<Utc>) -> Noted {
        let mut st = self.lock();
        bump(&mut st.pairs, (name.to_string(), source), PAIR, now);
        bump(&mut st.sources, source, SOURCE, now);
        bump(&mut st.accounts, name.to_string(), ACCOUNT, now);
        match st.floods.get_mut(&source).filter(|f| now - f.start < WINDOW) {
            Some(f) => {
                f.failures += 1;
                if f.names.len() < NAMES {
                    f.names.insert(name.to_string());
                }
                Noted::Counted
            }
            None => {
                if st.floods.len() >= CAP {
                    st.end_windows(now);
                }
                // A window that ended is summarised before it is replaced.
                st.end_window(source);
                st.floods.insert(
                    source,
                    Flood {
                        start: now,
                        failures: 0,
                        refused: 0,
                        names: BTreeSet::new(),
                    },
                );
                Noted::First
            }
        }
    }

    /// A successful login: the pair starts afresh and the address is
    /// trusted for the account.
    pub(crate) fn succeeded(&self, name: &str, source: IpAddr, now: DateTime<Utc>) {
        let mut st = self.lock();
        st.pairs.remove(&(name.to_string(), source));
        if st.trusted.len() >= CAP && !st.trusted.contains_key(name) {
            st.trusted.retain(|_, t| t.iter().any(|(_, at)| now - *at < TRUST));
        }
        let t = st.trusted.entry(name.to_string()).or_default();
        t.retain(|(ip, at)| *ip != source && now - *at < TRUST);
        t.push((source, now));
        if t.len() > 8 {
            t.remove(0);
        }
    }

    /// An administrator unlocked the account: its failures are forgotten.
    pub(crate) fn forget(&self, name: &str) {
        let mut st = self.lock();
        st.accounts.remove(name);
        st.pairs.retain(|(n, _), _| n != name);
    }

    /// The audit windows that have ended, removed; those with attempts
    /// beyond their first failure are returned for their summary record.
    pub(crate) fn due(&self, now: DateTime<Utc>) -> Vec<FloodSummary> {
        let mut st = self.lock();
        st.end_windows(now);
        std::mem::take(&mut st.ended)
    }
}

impl State {
    /// Ends every window that has run its length by `now`.
    fn end_windows(&mut self, now: DateTime<Utc>) {
        let ended: Vec<IpAddr> = self
            .floods
            .iter()
            .filter(|(_, f)| now - f.start >= WINDOW)
            .map(|(ip, _)| *ip)
            .collect();
        for ip in ended {
            self.end_window(ip);
        }
    }

    /// Ends `source`'s window: its summary, if it counted anything beyond
    /// its first failure, waits for [`LoginGuard::due`].
    fn end_window(&mut self, source: IpAddr) {
        let Some(f) = self.floods.remove(&source) else { return };
        if f.failures + f.refused > 0 && self.ended.len() < CAP {
            self.ended.push(FloodSummary {
                source,
                from: f.start,
                until: f.start + WINDOW,
                failures: f.failures,
                refused: f.refused,
                names: f.names.into_iter().collect(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    #[test]
    fn waits_double_after_the_free_failures() {
        assert_eq!(PAIR.wait(1), Duration::zero());
        assert_eq!(PAIR.wait(2), Duration::zero());
        assert_eq!(PAIR.wait(3), Duration::seconds(2));
        assert_eq!(PAIR.wait(4), Duration::seconds(4));
        assert_eq!(PAIR.wait(50), Duration::seconds(900));
        assert_eq!(ACCOUNT.wait(11), Duration::seconds(1));
        assert_eq!(ACCOUNT.wait(40), Duration::seconds(60));
    }

    #[test]
    fn another_address_is_not_held_back_by_the_pair_and_a_trusted_one_not_by_the_account() {
        let g = LoginGuard::default();
        let (attacker, officer): (IpAddr, IpAddr) = ("10.0.0.2".parse().unwrap(), "10.0.0.1".parse().unwrap());
        g.succeeded("clerk", officer, at(0));
        for i in 0..30 {
            g.failed("clerk", attacker, at(100 + i));
        }
        assert!(g.wait("clerk", attacker, at(130)).is_some());
        assert_eq!(g.wait("clerk", officer, at(130)), None, "trusted address");
        let stranger: IpAddr = "10.0.0.3".parse().unwrap();
        let w = g.wait("clerk", stranger, at(130)).unwrap();
        assert!(w <= Duration::seconds(60), "{w}");
        // Fifteen minutes after the wait ended everything is forgotten.
        let w = g.wait("clerk", attacker, at(130)).unwrap();
        assert_eq!(g.wait("clerk", attacker, at(130) + w + WINDOW), None);
        assert!(g.wait("clerk", attacker, at(129) + w).is_some());
    }

    #[test]
    fn a_flood_is_one_record_and_one_summary_per_window() {
        let g = LoginGuard::default();
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        assert_eq!(g.failed("a", ip, at(0)), Noted::First);
        for i in 1..50 {
            assert_eq!(g.failed(&format!("n{i}"), ip, at(i)), Noted::Counted);
        }
        assert!(g.due(at(60)).is_empty());
        let s = g.due(at(15 * 60));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].failures, 49);
        assert_eq!(s[0].names.len(), NAMES);
        assert_eq!(g.failed("a", ip, at(15 * 60 + 1)), Noted::First);
    }
}
