//! The screening decision rules, pure: given what a run found for each
//! party and the party's live results, which results are kept, which lapse
//! (and why) and which matches open new results. `SqlStore::record_screening`
//! reads the inputs, calls [`decide`], and only applies what it returns.

use std::collections::{HashMap, HashSet};

use crate::screening::{ResultRow, ScreenedParty, lapse};

/// One party of a run: what the run found, the party's live (not lapsed)
/// results, and the values hash it was last screened with (none when it
/// never was).
#[derive(Debug, Clone)]
pub struct Party<'a> {
    pub screening: &'a ScreenedParty,
    pub live: Vec<&'a ResultRow>,
    pub last_hash: Option<&'a str>,
}

/// What a run does.
#[derive(Debug, Default)]
pub struct Decisions<'a> {
    /// Results to lapse, with their reason, in the order to write them.
    pub lapse: Vec<(&'a ResultRow, &'static str)>,
    /// Matches to open results for: the party and the index of the match in its
    /// `matches`, in the order to write them (after the lapses).
    pub open: Vec<(&'a ScreenedParty, usize)>,
    /// Results found again and kept as they are (open, confirmed or dismissed).
    pub unchanged: usize,
}

/// The entry versions whose state [`decide`] needs (`ended`): those of the
/// parties' matches and of their live results.
pub fn entries_to_check(parties: &[Party<'_>]) -> Vec<i64> {
    let mut ids: Vec<i64> = parties
        .iter()
        .flat_map(|p| {
            p.screening
                .matches
                .iter()
                .map(|h| h.entry_id)
                .chain(p.live.iter().map(|h| h.entry_id))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The rules:
/// * an archived party's live results lapse (`archived`) and nothing opens;
/// * a live result whose party hash is unchanged and whose entry is found
///   again is kept with its decision;
/// * a live result of a party whose screened values changed lapses
///   (`party_changed`);
/// * a live result not found again lapses because its entry ended
///   (`entry_changed` when the entry has a newer version, `entry_removed`
///   when it left its list: `ended` says which), else, in a list version's
///   run (`only_entries`), it is kept — that run is about other entries —,
///   else it lapses (`no_longer_matches`);
/// * a match opens a result unless its entry has a result kept or just lapsed
///   for not matching, its entry ended, or this is a list version's run, the
///   entry is not one of the version's (`only_entries`) and the party is not
///   fresh (screened before with the same values).
pub fn decide<'a>(
    parties: &[Party<'a>],
    only_entries: Option<&HashSet<i64>>,
    ended: &HashMap<i64, &'static str>,
) -> Decisions<'a> {
    let mut out = Decisions::default();
    let mut opening = Vec::new();
    for p in parties {
        let s = p.screening;
        if s.archived {
            out.lapse.extend(p.live.iter().map(|h| (*h, lapse::ARCHIVED)));
            continue;
        }
        // A party screened for the first time, or since it changed, is
        // screened against everything, whatever run this is.
        let fresh = p.last_hash != Some(s.hash.as_str()) || p.live.iter().any(|h| h.party_hash != s.hash);
        let mut kept = HashSet::new();
        for h in &p.live {
            if h.party_hash != s.hash {
                out.lapse.push((*h, lapse::PARTY_CHANGED));
            } else if s.matches.iter().any(|n| n.entry_id == h.entry_id) {
                kept.insert(h.entry_id);
                out.unchanged += 1;
            } else {
                // Not found again: never reopened by this run.
                kept.insert(h.entry_id);
                match ended.get(&h.entry_id) {
                    Some(reason) => out.lapse.push((*h, *reason)),
                    // A list version's run leaves results on entries it did not touch alone.
                    None if only_entries.is_some() => out.unchanged += 1,
                    None => out.lapse.push((*h, lapse::NO_LONGER_MATCHES)),
                }
            }
        }
        for (i, n) in s.matches.iter().enumerate() {
            if !kept.contains(&n.entry_id)
                && !ended.contains_key(&n.entry_id)
                && (fresh || only_entries.is_none_or(|o| o.contains(&n.entry_id)))
            {
                opening.push((s, i));
            }
        }
    }
    out.open = opening;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::{PartyMatch, ResultStatus};
    use kean_core::Kind;

    fn party(hash: &str, entries: &[i64]) -> ScreenedParty {
        ScreenedParty {
            kind: Kind::Organization,
            id: 1,
            field: "name",
            name: "甲公司".into(),
            hash: hash.into(),
            owner_org_id: Some(1),
            record_version: 1,
            archived: false,
            matches: entries
                .iter()
                .map(|e| PartyMatch {
                    entry_id: *e,
                    list_id: 1,
                    entry_key: format!("k{e}"),
                    entry_name: "X".into(),
                    matched_name: "X".into(),
                    score_bp: 9000,
                    explanation: String::new(),
                    explanation_detail: None,
                })
                .collect(),
        }
    }

    fn live(id: i64, entry: i64, hash: &str, status: ResultStatus) -> ResultRow {
        ResultRow {
            id,
            party_kind: Kind::Organization,
            party_id: 1,
            party_field: "name".into(),
            party_name: "甲公司".into(),
            party_hash: hash.into(),
            owner_org_id: Some(1),
            list_id: 1,
            list_code: "L".into(),
            entry_id: entry,
            entry_key: format!("k{entry}"),
            entry_name: "X".into(),
            matched_name: "X".into(),
            score_bp: 9000,
            explanation: String::new(),
            explanation_detail: None,
            status,
            decision: None,
            lapse_reason: None,
            reason: None,
            decided_by: None,
            decided_at: None,
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    fn ids(d: &Decisions<'_>) -> (Vec<(i64, &'static str)>, Vec<i64>) {
        (
            d.lapse.iter().map(|(h, r)| (h.id, *r)).collect(),
            d.open.iter().map(|(s, i)| s.matches[*i].entry_id).collect(),
        )
    }

    #[test]
    fn a_new_match_opens_a_result() {
        let s = party("h", &[10]);
        let p = [Party {
            screening: &s,
            live: vec![],
            last_hash: None,
        }];
        let d = decide(&p, None, &HashMap::new());
        assert_eq!(ids(&d), (vec![], vec![10]));
        assert_eq!(d.unchanged, 0);
    }

    #[test]
    fn a_result_found_again_unchanged_is_kept_with_its_decision() {
        let s = party("h", &[10]);
        let h = live(5, 10, "h", ResultStatus::Dismissed);
        let p = [Party {
            screening: &s,
            live: vec![&h],
            last_hash: Some("h"),
        }];
        let d = decide(&p, None, &HashMap::new());
        assert_eq!(ids(&d), (vec![], vec![]));
        assert_eq!(d.unchanged, 1);
    }

    #[test]
    fn a_changed_party_lapses_its_results_and_is_screened_afresh() {
        let s = party("new", &[10]);
        let h = live(5, 10, "old", ResultStatus::Dismissed);
        let p = [Party {
            screening: &s,
            live: vec![&h],
            last_hash: Some("old"),
        }];
        // Even a list version's run about other entries reopens it.
        let only: HashSet<i64> = [99].into();
        let d = decide(&p, Some(&only), &HashMap::new());
        assert_eq!(ids(&d), (vec![(5, lapse::PARTY_CHANGED)], vec![10]));
    }

    #[test]
    fn a_result_no_longer_found_lapses_and_is_not_reopened() {
        let s = party("h", &[]);
        let h = live(5, 10, "h", ResultStatus::Open);
        let p = [Party {
            screening: &s,
            live: vec![&h],
            last_hash: Some("h"),
        }];
        let d = decide(&p, None, &HashMap::new());
        assert_eq!(ids(&d), (vec![(5, lapse::NO_LONGER_MATCHES)], vec![]));
    }

    #[test]
    fn an_ended_entry_names_why_and_never_opens() {
        let s = party("h", &[11]);
        let a = live(5, 10, "h", ResultStatus::Confirmed);
        let p = [Party {
            screening: &s,
            live: vec![&a],
            last_hash: Some("h"),
        }];
        let ended = HashMap::from([(10, lapse::ENTRY_CHANGED), (11, lapse::ENTRY_REMOVED)]);
        let d = decide(&p, None, &ended);
        assert_eq!(ids(&d), (vec![(5, lapse::ENTRY_CHANGED)], vec![]));
        let ended = HashMap::from([(10, lapse::ENTRY_REMOVED)]);
        let d = decide(&p, None, &ended);
        assert_eq!(ids(&d), (vec![(5, lapse::ENTRY_REMOVED)], vec![11]));
    }

    #[test]
    fn a_list_version_run_opens_only_its_entries_and_keeps_the_rest() {
        let s = party("h", &[10, 20]);
        let other = live(5, 30, "h", ResultStatus::Open);
        let p = [Party {
            screening: &s,
            live: vec![&other],
            last_hash: Some("h"),
        }];
        let only: HashSet<i64> = [20].into();
        let d = decide(&p, Some(&only), &HashMap::new());
        // Entry 10 is not the version's and the party is not fresh; 30, not
        // found again but still current, is another list's business.
        assert_eq!(ids(&d), (vec![], vec![20]));
        assert_eq!(d.unchanged, 1);
        // Its entry ended: then it lapses even in a version's run.
        let ended = HashMap::from([(30, lapse::ENTRY_REMOVED)]);
        let d = decide(&p, Some(&only), &ended);
        assert_eq!(ids(&d), (vec![(5, lapse::ENTRY_REMOVED)], vec![20]));
    }

    #[test]
    fn a_party_never_screened_is_fresh_in_a_list_version_run() {
        let s = party("h", &[10]);
        let p = [Party {
            screening: &s,
            live: vec![],
            last_hash: None,
        }];
        let only: HashSet<i64> = [20].into();
        let d = decide(&p, Some(&only), &HashMap::new());
        assert_eq!(ids(&d), (vec![], vec![10]));
    }

    #[test]
    fn an_archived_party_lapses_everything_and_opens_nothing() {
        let mut s = party("h", &[10]);
        s.archived = true;
        let h = live(5, 10, "h", ResultStatus::Confirmed);
        let p = [Party {
            screening: &s,
            live: vec![&h],
            last_hash: Some("h"),
        }];
        let d = decide(&p, None, &HashMap::new());
        assert_eq!(ids(&d), (vec![(5, lapse::ARCHIVED)], vec![]));
    }
}
