//! The keyword index: character bigrams.
//!
//! A keyword search means "this text occurs (case-insensitively) in one of
//! the kind's searched fields or in the owning organization's name". A
//! `LIKE '%…%'` scan answers that over a whole table, which takes seconds
//! at a million records. Chinese has no spaces to split words at, so word
//! indexes do not help; what does is the set of *character bigrams* (pairs
//! of adjacent characters) of each record: if the keyword occurs in a
//! field, every bigram of the keyword is a bigram of that field.
//!
//! Each registry row carries `search_grams`: the distinct bigrams of its
//! searched fields and of its owner's name (and the trigrams of runs of
//! digits, see `add_grams`), lower-cased, with everything that is not a
//! letter or digit left out, separated by spaces. A keyword of two or more
//! such characters selects the candidate rows holding all of its grams
//! (or the selective ones among them, see `pick_grams`) through an index — SQLite FTS5 (an external-content table
//! over the column, `ascii` tokenizer, kept in step by triggers) or a
//! PostgreSQL GIN index on the column split into an array — and the
//! original `LIKE` conditions then keep exactly the rows that match, so the
//! index only narrows and never changes what is found. Shorter keywords
//! fall back to the scan.
//!
//! The bigrams are computed here, in Rust, identically for both databases
//! and independently of the database's locale.

use std::collections::{BTreeSet, HashMap};

use kean_core::schema::Owner;
use kean_core::{Fields, Kind};
use sqlx::{AnyConnection, Row};

use crate::error::Result;
use crate::sql::args::{Arg, placeholders, q};
use crate::types::Backend;

/// The characters the index looks at: lower-cased letters and digits.
fn letters(text: &str) -> Vec<char> {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A text's grams: its bigrams, except pairs of digits, and the trigrams
/// of its runs of digits. Digits have only a hundred pairs, so each is in
/// a tenth of the records when titles, codes and names carry numbers
/// ("合同12345"): a number's pairs narrow little and make the index large,
/// its trigrams (a thousand of them) narrow ten times more. A keyword of
/// just two digits has no gram and is answered by the scan.
fn add_grams(text: &str, out: &mut BTreeSet<String>) {
    let cs = letters(text);
    for w in cs.windows(2) {
        if !w.iter().all(char::is_ascii_digit) {
            out.insert(w.iter().collect());
        }
    }
    for w in cs.windows(3) {
        if w.iter().all(char::is_ascii_digit) {
            out.insert(w.iter().collect());
        }
    }
}

/// The bigrams of some texts, distinct and sorted, separated by spaces.
pub(crate) fn grams_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut set = BTreeSet::new();
    for t in texts {
        add_grams(t, &mut set);
    }
    set.into_iter().collect::<Vec<_>>().join(" ")
}

/// Whether records of `kind` are also found by their owner's name.
pub(crate) fn owner_name_searched(kind: Kind) -> bool {
    matches!(kind.owner(), Owner::Field(_) | Owner::Via(..))
}

/// The `search_grams` value of a record: its searched fields and, when the
/// kind is found by its owner, the owner's name.
pub(crate) fn record_grams(fields: &Fields, owner_name: Option<&str>) -> String {
    let kind = fields.kind();
    let values: Vec<String> = kind
        .fields()
        .iter()
        .filter(|f| f.search)
        .map(|f| fields.get(f.name))
        .filter(|v| !v.is_null())
        .map(|v| v.to_input())
        .collect();
    let owner = owner_name.filter(|_| owner_name_searched(kind));
    grams_of(values.iter().map(String::as_str).chain(owner))
}

/// The distinct bigrams of a keyword, sorted.
pub(crate) fn keyword_grams(keyword: &str) -> Vec<String> {
    let mut set = BTreeSet::new();
    add_grams(keyword, &mut set);
    set.into_iter().collect()
}

/// A gram held by more than this share of a kind's records (1/N) is
/// "frequent": asking the index for it narrows little and costs much.
pub(crate) const FREQUENT_SHARE: i64 = 5;

/// The most bigrams a keyword search asks the index for.
const MAX_GRAMS: usize = 5;

/// What reading a candidate's row and matching it costs, in index entries
/// read: SQLite ~45 ns an FTS5 entry, 1-2 µs a row with its `LIKE`s;
/// PostgreSQL reads GIN entries (compressed, skipped through) far more
/// cheaply than it fetches and rechecks a row (measured on a million
/// contracts: fewer grams per search cost it 15-20% of its throughput at
/// the SQLite ratio).
pub(crate) fn verify_cost(backend: Backend) -> f64 {
    match backend {
        Backend::Sqlite => 30.0,
        Backend::Postgres => 300.0,
    }
}

/// How many grams are asked for whenever the keyword has them (not
/// frequent): the frequencies are estimates, and one gram
/// thought rare that is not would leave the search with a long list.
const SURE_GRAMS: usize = 2;

/// The grams a keyword search asks the index for, rarest first: the two
/// rarest always, then each further gram while reading its entries costs less
/// than the candidate rows it spares (estimated as if grams were
/// independent), never a frequent one (`freq` above `frequent`) and at
/// most five. The index only narrows (the `LIKE` conditions
/// decide), so any subset finds the same records; what the choice changes
/// is the work: a frequent bigram ("技术", "合同", "有限" are in nearly
/// every record) means reading a million index entries, a rare one
/// shrinks the candidates, and once they are few a further gram costs
/// more to read than the rows it would spare.
pub(crate) fn pick_grams(
    grams: &[String],
    total: i64,
    frequent: i64,
    verify_cost: f64,
    freq: impl Fn(&str) -> i64,
) -> Vec<String> {
    let mut ranked: Vec<(i64, &String)> = grams.iter().map(|g| (freq(g), g)).collect();
    ranked.sort();
    let Some((rarest, first)) = ranked.first() else {
        return Vec::new();
    };
    let mut out: Vec<String> = vec![(*first).clone()];
    let mut candidates = *rarest as f64;
    for (n, g) in &ranked[1..] {
        if out.len() == MAX_GRAMS || *n > frequent {
            break;
        }
        let share = (*n as f64 / total.max(1) as f64).min(1.0);
        if out.len() >= SURE_GRAMS && *n as f64 >= candidates * (1.0 - share) * verify_cost {
            break;
        }
        out.push((*g).clone());
        candidates *= share;
    }
    out.sort();
    out
}

/// The index condition for some bigrams of a keyword, or `None` when there
/// are none (a keyword of fewer than two letters or digits: then only the
/// scan can answer). The condition refers to the listed table as `t`;
/// `param` is the placeholder the returned argument is bound to.
pub(crate) fn keyword_condition(
    backend: Backend,
    kind: Kind,
    grams: &[String],
    param: &str,
) -> Option<(String, String)> {
    if grams.is_empty() {
        return None;
    }
    let table = kind.table();
    Some(match backend {
        // Each bigram a quoted FTS5 string (they hold only letters and
        // digits, never a quote); juxtaposed strings must all occur. The
        // FTS table is joined (see `fts_join`), not asked for a set of ids:
        // read in rowid order it yields a frequent keyword's first page
        // without collecting all its rows.
        Backend::Sqlite => (
            format!("{table}_fts MATCH {param}"),
            grams.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            format!("string_to_array(t.search_grams, ' ') @> string_to_array({param}, ' ')"),
            grams.join(" "),
        ),
    })
}

/// How many records hold a gram (SQLite; PostgreSQL reads ANALYZE's
/// statistics instead) is counted exactly up to this many; a gram held by
/// more is estimated from this many records, in [`SAMPLE_WINDOWS`] windows
/// of ids spread evenly over the kind's ids.
pub(crate) const GRAM_SAMPLE: i64 = 20_000;
const SAMPLE_WINDOWS: i64 = 10;

/// The id windows a gram's frequency is sampled in, as (above, up to):
/// the whole range when it is no larger than the sample.
pub(crate) fn sample_windows(min_id: i64, max_id: i64) -> Vec<(i64, i64)> {
    let span = max_id - min_id + 1;
    if span <= GRAM_SAMPLE {
        return vec![(min_id - 1, max_id)];
    }
    let width = GRAM_SAMPLE / SAMPLE_WINDOWS;
    (1..=SAMPLE_WINDOWS)
        .map(|w| {
            let upto = min_id - 1 + span * w / SAMPLE_WINDOWS;
            (upto - width, upto)
        })
        .collect()
}

/// How many records of `kind` hold a gram, counted up to `cap` (FTS5 reads
/// its list from the start and stops there).
pub(crate) async fn count_gram(pool: &sqlx::AnyPool, kind: Kind, gram: &str, cap: i64) -> Result<i64> {
    let table = kind.table();
    let sql = format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH $1 LIMIT $2) c");
    Ok(
        q(sql, vec![Arg::Text(Some(format!("\"{gram}\""))), Arg::Int(Some(cap))])
            .fetch_one(pool)
            .await?
            .try_get("n")?,
    )
}

/// How many of the records of `kind` with an id in one of the `windows`
/// (above, up to] hold a gram, through the index (FTS5 seeks its lists to
/// each id range, so the cost is that of the windows, however frequent the
/// gram), in one statement.
pub(crate) async fn sample_gram(pool: &sqlx::AnyPool, kind: Kind, gram: &str, windows: &[(i64, i64)]) -> Result<i64> {
    let table = kind.table();
    let mut args = vec![Arg::Text(Some(format!("\"{gram}\"")))];
    let mut parts = Vec::with_capacity(windows.len());
    for (above, upto) in windows {
        args.push(Arg::Int(Some(*above)));
        args.push(Arg::Int(Some(*upto)));
        parts.push(format!(
            "(SELECT COUNT(*) FROM {table}_fts WHERE {table}_fts MATCH $1 AND rowid > ${} AND rowid <= ${})",
            args.len() - 1,
            args.len()
        ));
    }
    let sql = format!("SELECT {} AS n", parts.join(" + "));
    Ok(q(sql, args).fetch_one(pool).await?.try_get("n")?)
}

/// What a list reads from: the table as `t`, and on SQLite with a keyword
/// condition its FTS table joined on the rowid. Returns the FROM clause and
/// the expression the default order (by id) sorts on — the FTS rowid when
/// joined, which FTS5 reads in order, so that `LIMIT` stops early.
pub(crate) fn from_clause(backend: Backend, kind: Kind, indexed: bool) -> (String, String) {
    let table = kind.table();
    if indexed && backend == Backend::Sqlite {
        (
            format!("{table}_fts JOIN {table} t ON t.id = {table}_fts.rowid"),
            format!("{table}_fts.rowid"),
        )
    } else {
        (format!("{table} t"), "t.id".to_string())
    }
}

/// The names of some organizations, for the bigrams of the records they
/// own. `positional`: SQLite's `?` placeholders.
pub(crate) async fn owner_names(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = i64>,
    positional: bool,
) -> Result<HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, name FROM organizations WHERE id IN {}",
            placeholders(positional, 1, chunk.len())
        );
        let args = chunk.iter().map(|i| Arg::Int(Some(*i))).collect();
        for r in q(sql, args).fetch_all(&mut *conn).await? {
            if let Some(name) = r.try_get::<Option<String>, _>("name")? {
                out.insert(r.try_get("id")?, name);
            }
        }
    }
    Ok(out)
}

/// The `search_grams` value for a record about to be written.
pub(crate) async fn grams_for(conn: &mut AnyConnection, fields: &Fields, owner: Option<i64>) -> Result<String> {
    let name = match owner.filter(|_| owner_name_searched(fields.kind())) {
        Some(o) => owner_names(&mut *conn, [o], false).await?.remove(&o),
        None => None,
    };
    Ok(record_grams(fields, name.as_deref()))
}

/// Recomputes `search_grams` of the rows of `kind` that `cond` (on the
/// table as `t`, with `args`) selects — after an owner changed its name,
/// records moved to another owner, or to fill rows written before the
/// index existed. Returns how many rows were rewritten.
pub(crate) async fn regram(conn: &mut AnyConnection, kind: Kind, cond: &str, args: Vec<Arg>) -> Result<usize> {
    let searched: Vec<&str> = kind.fields().iter().filter(|f| f.search).map(|f| f.name).collect();
    let mut cols: Vec<String> = searched
        .iter()
        .enumerate()
        .map(|(i, f)| format!("CAST(t.{f} AS TEXT) AS k{i}"))
        .collect();
    if owner_name_searched(kind) {
        cols.push("(SELECT o.name FROM organizations o WHERE o.id = t.owner_org_id) AS owner_name".into());
    }
    cols.push("t.id".into());
    cols.push("t.search_grams AS old_grams".into());
    let table = kind.table();
    let mut last = 0i64;
    let mut done = 0;
    loop {
        // In slices by id, so that a million rows never sit in memory.
        let mut a = args.clone();
        a.push(Arg::Int(Some(last)));
        let sql = format!(
            "SELECT {} FROM {table} t WHERE ({cond}) AND t.id > ${} ORDER BY t.id LIMIT 2000",
            cols.join(", "),
            a.len()
        );
        let rows = q(sql, a).fetch_all(&mut *conn).await?;
        if rows.is_empty() {
            return Ok(done);
        }
        for r in &rows {
            let mut texts: Vec<Option<String>> = (0..searched.len())
                .map(|i| r.try_get::<Option<String>, _>(format!("k{i}").as_str()))
                .collect::<std::result::Result<_, _>>()?;
            if owner_name_searched(kind) {
                texts.push(r.try_get("owner_name")?);
            }
            let id: i64 = r.try_get("id")?;
            last = id;
            let grams = grams_of(texts.iter().flatten().map(String::as_str));
            if r.try_get::<Option<String>, _>("old_grams")?.as_deref() == Some(grams.as_str()) {
                continue;
            }
            q(
                format!("UPDATE {table} SET search_grams = $1 WHERE id = $2"),
                vec![Arg::Text(Some(grams)), Arg::Int(Some(id))],
            )
            .execute(&mut *conn)
            .await?;
            done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_of_chinese_and_codes() {
        assert_eq!(grams_of(["基准技术"]), "准技 基准 技术");
        // Case folded, punctuation and spaces left out, duplicates once.
        assert_eq!(grams_of(["B-00 0"]), "000 b0");
        // Digits: trigrams, not pairs.
        assert_eq!(grams_of(["a1234"]), "123 234 a1");
        assert!(keyword_grams("12").is_empty(), "two digits: the scan answers");
        // One letter has no bigram; fields are not joined.
        assert_eq!(grams_of(["甲", "乙"]), "");
    }

    #[test]
    fn a_substring_has_a_subset_of_the_bigrams() {
        let doc: BTreeSet<String> = grams_of(["山西（新泰）钢铁有限公司", "XT-2025"])
            .split(' ')
            .map(String::from)
            .collect();
        for q in ["新泰", "泰）钢铁", "钢铁有限", "xt-20", "T-2025", "025", "t2025"] {
            let grams = keyword_grams(q);
            let (_, arg) = keyword_condition(Backend::Postgres, Kind::TechContract, &grams, "$1").unwrap();
            assert!(arg.split(' ').all(|g| doc.contains(g)), "{q}: {arg}");
        }
        assert!(keyword_grams("钢").is_empty());
        assert!(keyword_grams("-（").is_empty());
        assert!(keyword_condition(Backend::Sqlite, Kind::TechContract, &[], "$1").is_none());
        let (sql, arg) = keyword_condition(Backend::Sqlite, Kind::TechContract, &keyword_grams("钢铁"), "$3").unwrap();
        assert_eq!(arg, "\"钢铁\"");
        assert_eq!(sql, "tech_contracts_fts MATCH $3");
    }

    #[test]
    fn frequencies_are_sampled_across_the_ids() {
        assert_eq!(sample_windows(1, 500), vec![(0, 500)]);
        let w = sample_windows(1, 1_000_000);
        assert_eq!(w.len(), 10);
        assert_eq!(w[0], (98_000, 100_000));
        assert_eq!(w[9], (998_000, 1_000_000));
        assert_eq!(w.iter().map(|(a, b)| b - a).sum::<i64>(), GRAM_SAMPLE);
    }

    #[test]
    fn the_selective_bigrams_are_asked_for() {
        // 基准技术合同12345 over 1,000,000 contracts: the digits' trigrams
        // are in ~5,000 records each, the words' bigrams in all of them.
        let total = 1_000_000;
        let grams = keyword_grams("基准技术合同12345");
        assert!(grams.iter().any(|g| g == "123") && grams.iter().any(|g| g == "345"));
        assert!(!grams.iter().any(|g| g == "同12"), "trigrams of digits only: {grams:?}");
        let frequent = total / FREQUENT_SHARE;
        let freq = |g: &str| match g {
            "123" => 4_000,
            "234" | "345" => 5_000,
            "同1" => 111_000,
            _ => frequent + 1,
        };
        // Two trigrams leave a handful of candidates: the third would cost
        // more to read than the rows it could spare, "同1" far more.
        // (Two are always asked for: an estimate may be wrong.)
        assert_eq!(pick_grams(&grams, total, frequent, 30.0, freq), vec!["123", "234"]);
        // A number with one trigram (77777): "准7" narrows its 15,000
        // candidates to about 1,600, after which "7科" (111,000 entries)
        // costs more than it spares.
        let freq = |g: &str| match g {
            "777" => 15_000,
            "准7" => 105_000,
            "7科" => 111_000,
            _ => frequent + 1,
        };
        assert_eq!(
            pick_grams(&keyword_grams("晋中基准77777科技"), total, frequent, 30.0, freq),
            vec!["777", "准7"]
        );
        // Rare words: two suffice when the rarest leaves few candidates.
        let picked = pick_grams(&keyword_grams("秸秆还田"), total, frequent, 30.0, |g| match g {
            "秸秆" => 40,
            "秆还" => 60,
            _ => 3_000,
        });
        assert_eq!(picked, vec!["秆还", "秸秆"]);
        // A keyword of frequent bigrams only still asks for the rarest.
        let picked = pick_grams(&keyword_grams("技术合同"), total, frequent, 30.0, |g| {
            if g == "术合" { 400_000 } else { 900_000 }
        });
        assert_eq!(picked, vec!["术合"]);
        assert!(pick_grams(&[], total, frequent, 30.0, |_| 0).is_empty());
    }
}
