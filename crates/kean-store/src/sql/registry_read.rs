//! Registry reads, always scoped: get, list, labels, options, owner_of,
//! count, aggregate, keys and the lookups of imports.

use std::collections::HashMap;

use async_trait::async_trait;
use kean_core::schema::{FieldType, Owner};
use kean_core::{Kind, Record, Scope, Value};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::{
    AggRow, ArchivedFilter, Backend, COUNT_CAP, GroupBy, ImportRecord, KEYWORD_COUNT_CAP, KeyRow, ListQuery, Page,
    Taken,
};

use super::SqlStore;
use super::args::{Arg, and_scope, columns, decode_record, escape_like, fetch, q, value_arg};
use super::list_cache::Reads;
use crate::traits::RegistryRead;

/// How many of a filtered list's first ids are kept (10 pages of 20): the
/// database sorts the filter's matches keeping this many, so it is kept
/// small; later pages are read as they are asked for.
pub(crate) const KEPT_PAGE_IDS: usize = 200;
/// A deep page by number starts from the id at the last multiple of this
/// position before it (kept per generation).
pub(crate) const ANCHOR_STEP: usize = 1_000;

/// What a list query selects: the FROM clause (the table as `t`, joined
/// with its keyword index on SQLite), the WHERE clause and its arguments,
/// and the expression of the default order (the id).
pub(crate) struct Selection {
    from: String,
    wh: String,
    args: Vec<Arg>,
    id_key: String,
    /// Whether the keyword index narrows the rows.
    indexed: bool,
    /// Whether nothing but the archived state is asked for (no scope, no
    /// keyword, no filter): record_counts then knows the total.
    unfiltered: bool,
    /// The kinds the conditions read (the kind, and the organizations when
    /// an owner's name or fields are asked for): what kept answers depend on.
    reads: Vec<Kind>,
    /// Whether records may be withheld from the reader
    /// ([`SqlStore::may_withhold`]): the conditions hold the subquery.
    withhold: bool,
}

/// At most this many withheld ids are bound into a list's statement; more
/// are left to the subquery.
pub(crate) const WITHHELD_BOUND: usize = 200;

/// What a list leaves out for its reader ([`SqlStore::withheld`]).
pub(crate) enum Withheld {
    Nothing,
    Ids(Vec<i64>),
    Many,
}

/// `grams`: the keyword's grams to ask the index for (see
/// `SqlStore::selection`); `None`: the keyword, if any, is matched by the
/// scan alone.
pub(crate) fn where_clause(
    backend: Backend,
    kind: Kind,
    query: &ListQuery,
    scope: Scope,
    grams: Option<&[String]>,
    withheld: &Withheld,
) -> Selection {
    let mut conds = vec!["1 = 1".to_string()];
    let mut args = Vec::new();
    let mut use_index = false;
    let mut reads = vec![kind];
    let reads_organizations = |reads: &mut Vec<Kind>| {
        if !reads.contains(&Kind::Organization) {
            reads.push(Kind::Organization);
        }
    };
    let next = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    let org = scope.for_kind(kind).organization();
    if let Some(o) = org {
        let p = next(&mut args, Arg::Int(Some(o)));
        conds.push(format!("owner_org_id = {p}"));
    }
    match query.archived {
        ArchivedFilter::Active => conds.push("archived = 0".into()),
        ArchivedFilter::Archived => conds.push("archived = 1".into()),
        ArchivedFilter::All => {}
    }
    if let Some(k) = query.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        // The keyword index narrows the rows to those holding all of the
        // keyword's bigrams; the LIKE conditions below decide (search.rs).
        // Inside one organization's records its owner index is narrower,
        // and no grams are given.
        let indexed =
            grams.and_then(|g| crate::search::keyword_condition(backend, kind, g, &format!("${}", args.len() + 1)));
        use_index = indexed.is_some();
        if let Some((cond, arg)) = &indexed {
            args.push(Arg::Text(Some(arg.clone())));
            conds.push(cond.clone());
        }
        let p = next(&mut args, Arg::Text(Some(escape_like(k))));
        let mut ors: Vec<String> = kind
            .fields()
            .iter()
            .filter(|f| f.search)
            .map(|f| format!("LOWER(t.{}) LIKE {p} ESCAPE '\\'", f.name))
            .collect();
        // Records owned by an organization are also found by its name
        // (contracts by their seller, platforms by their host …): looked
        // up per candidate when the index narrowed them, else as one set.
        if crate::search::owner_name_searched(kind) {
            reads_organizations(&mut reads);
            ors.push(if indexed.is_some() {
                format!(
                    "EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.owner_org_id AND LOWER(o.name) LIKE {p} ESCAPE '\\')"
                )
            } else {
                format!("t.owner_org_id IN (SELECT id FROM organizations WHERE LOWER(name) LIKE {p} ESCAPE '\\')")
            });
        }
        if !ors.is_empty() {
            conds.push(format!("({})", ors.join(" OR ")));
        }
    }
    if !query.ids.is_empty() {
        let ph: Vec<String> = query
            .ids
            .iter()
            .map(|id| next(&mut args, Arg::Int(Some(*id))))
            .collect();
        conds.push(format!("t.id IN ({})", ph.join(", ")));
    }
    for (name, v) in &query.filters {
        if let Some(f) = kind.field(name) {
            let p = next(&mut args, value_arg(f.ty, v));
            conds.push(format!("{} = {p}", f.name));
        }
    }
    let org_fields = Kind::Organization;
    let owner_conds: Vec<String> = query
        .owner_filters
        .iter()
        .filter_map(|(name, v)| org_fields.field(name).map(|f| (f, v)))
        .map(|(f, v)| {
            let p = next(&mut args, value_arg(f.ty, v));
            format!("{} = {p}", f.name)
        })
        .collect();
    if !owner_conds.is_empty() && kind.owner() != Owner::None {
        reads_organizations(&mut reads);
        conds.push(format!(
            "owner_org_id IN (SELECT id FROM organizations WHERE {})",
            owner_conds.join(" AND ")
        ));
    }
    if let Some((name, from, to)) = &query.date_range
        && kind.field(name).is_some_and(|f| f.ty == FieldType::Date)
    {
        if let Some(d) = from {
            let p = next(&mut args, Arg::Text(Some(d.format("%Y-%m-%d").to_string())));
            conds.push(format!("{name} >= {p}"));
        }
        if let Some(d) = to {
            let p = next(&mut args, Arg::Text(Some(d.format("%Y-%m-%d").to_string())));
            conds.push(format!("{name} <= {p}"));
        }
    }
    let (from, id_key) = crate::search::from_clause(backend, kind, use_index);
    let unfiltered =
        args.is_empty() && conds.len() <= 2 && query.keyword.as_deref().is_none_or(|k| k.trim().is_empty());
    // What the reader may not see for its classification. A list with
    // nothing else asked for still counts from record_counts, minus these
    // (`unfiltered`).
    match withheld {
        Withheld::Nothing => {}
        Withheld::Ids(ids) => {
            let ph: Vec<String> = ids.iter().map(|id| next(&mut args, Arg::Int(Some(*id)))).collect();
            conds.push(format!("t.id NOT IN ({})", ph.join(", ")));
        }
        Withheld::Many => {
            if let Some(sub) = super::args::withheld_ids(kind, scope, &mut args) {
                conds.push(format!("t.id NOT IN ({sub})"));
            }
        }
    }
    let withhold = !matches!(withheld, Withheld::Nothing);
    Selection {
        from,
        wh: conds.join(" AND "),
        args,
        id_key,
        indexed: use_index,
        unfiltered,
        reads,
        withhold,
    }
}

impl SqlStore {
    /// What a list, count or aggregate of `kind` reads: its conditions,
    /// with the keyword index asked for the grams worth asking for (none
    /// inside one organization's records, where the owner index narrows).
    pub(crate) async fn selection(&self, kind: Kind, query: &ListQuery, scope: Scope) -> Result<Selection> {
        let org = scope.for_kind(kind).organization();
        let keyword = query.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let grams = match keyword {
            Some(k) if org.is_none() => Some(self.keyword_grams(kind, k).await?),
            _ => None,
        };
        let withheld = self.withheld(kind, scope).await?;
        Ok(where_clause(
            self.backend,
            kind,
            query,
            scope,
            grams.as_deref(),
            &withheld,
        ))
    }

    /// What a list of `kind` must leave out for the scope's reader: nothing
    /// (no record of the kind at a level the reader may be refused —
    /// [`SqlStore::may_withhold`] — or none refused), the ids of the
    /// records refused, read once per generation and reader and bound into
    /// the statement (a few, as a rule), or — past [`WITHHELD_BOUND`] —
    /// the subquery itself.
    pub(crate) async fn withheld(&self, kind: Kind, scope: Scope) -> Result<Withheld> {
        if !self.may_withhold(kind, scope).await? {
            return Ok(Withheld::Nothing);
        }
        let mut args = Vec::new();
        let Some(sub) = super::args::withheld_ids(kind, scope, &mut args) else {
            return Ok(Withheld::Nothing);
        };
        let ids = self
            .lists
            .ids(
                &self.pool,
                self.backend,
                &mut Reads::new(vec![kind]),
                format!(
                    "SELECT x.id AS id FROM ({sub}) x ORDER BY x.id DESC LIMIT {}",
                    WITHHELD_BOUND + 1
                ),
                args,
            )
            .await?;
        Ok(if ids.is_empty() {
            Withheld::Nothing
        } else if ids.len() <= WITHHELD_BOUND {
            Withheld::Ids(ids.to_vec())
        } else {
            Withheld::Many
        })
    }

    /// Whether a read of `kind` under `scope` can withhold anything: an
    /// account reader, and some record of the kind at a level it may be
    /// refused (above the lower of its clearance and 内部). Kept per
    /// generation like a list's count, so that lists of a kind holding no
    /// such record — most of them — cost no subquery. Any write of the kind
    /// (a level, a need-to-know list) advances its generation.
    pub(crate) async fn may_withhold(&self, kind: Kind, scope: Scope) -> Result<bool> {
        let kean_core::policy::Reader::Account { clearance, .. } = scope.for_kind(kind).reader() else {
            return Ok(false);
        };
        if !kind.classified() {
            return Ok(false);
        }
        let candidates = kean_core::confidentiality::codes_above(
            clearance.min(kean_core::confidentiality::Classification::Internal),
        )
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
        let n = self
            .lists
            .count(
                &self.pool,
                &mut Reads::new(vec![kind]),
                format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {} WHERE classification IN ({candidates}) LIMIT 1) x",
                    kind.table()
                ),
                vec![],
            )
            .await?;
        Ok(n > 0)
    }

    /// How many records of `kind` in the `archived` state the scope's
    /// reader may see, of all organizations: the count the write path keeps
    /// (record_counts), less those withheld for their classification (when
    /// any may be: `withhold`, [`SqlStore::may_withhold`]).
    pub(crate) async fn kept_count(
        &self,
        kind: Kind,
        archived: ArchivedFilter,
        scope: Scope,
        withhold: bool,
    ) -> Result<i64> {
        let (column, state) = match archived {
            ArchivedFilter::Active => ("active", "t.archived = 0"),
            ArchivedFilter::Archived => ("archived", "t.archived = 1"),
            ArchivedFilter::All => ("(active + archived)", "1 = 1"),
        };
        let mut args = vec![Arg::Text(Some(kind.table().to_string()))];
        let less = match withhold
            .then(|| super::args::withheld_ids(kind, scope, &mut args))
            .flatten()
        {
            Some(sub) => format!(
                " - (SELECT COUNT(*) FROM {} t WHERE {state} AND t.id IN ({sub}))",
                kind.table()
            ),
            None => String::new(),
        };
        Ok(q(
            format!("SELECT CAST({column}{less} AS BIGINT) AS n FROM record_counts WHERE kind = $1"),
            args,
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    /// The page `query` asks for out of a list's kept ids (newest first),
    /// `counted` of them matching (up to `cap + 1`).
    pub(crate) async fn page_of_ids(
        &self,
        kind: Kind,
        ids: &[i64],
        query: &ListQuery,
        counted: i64,
        cap: i64,
    ) -> Result<Page<Record>> {
        let page_size = query.page_size.clamp(1, 500);
        let page = query.page.max(1);
        let first = ((page as usize - 1) * page_size as usize).min(ids.len());
        let wanted = &ids[first..(first + page_size as usize).min(ids.len())];
        Ok(Page {
            items: self.rows_by_id(kind, wanted).await?,
            total: counted.min(cap),
            total_is_exact: counted <= cap,
            page,
            page_size,
        })
    }

    /// The rows of some ids, in the order of the ids (newest first).
    pub(crate) async fn rows_by_id(&self, kind: Kind, ids: &[i64]) -> Result<Vec<Record>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM {} t WHERE t.id IN ({}) ORDER BY t.id DESC",
            columns(kind),
            kind.table(),
            (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
        );
        q(sql, ids.iter().map(|i| Arg::Int(Some(*i))).collect())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| decode_record(kind, r))
            .collect()
    }
}

/// A column telling whether the row (aliased `t`) is withheld from the
/// scope's reader for its classification (1) or not (0).
fn withheld_flag(kind: Kind, scope: Scope, args: &mut Vec<Arg>) -> String {
    match super::args::withheld_ids(kind, scope, args) {
        Some(sub) => format!("CAST(CASE WHEN t.id IN ({sub}) THEN 1 ELSE 0 END AS BIGINT)"),
        None => "CAST(0 AS BIGINT)".to_string(),
    }
}

/// Whether a row read with its `owner_org_id` and [`withheld_flag`] is
/// one the scope's reader may see.
fn visible(scope: &Scope, r: &sqlx::any::AnyRow) -> Result<bool> {
    Ok(scope.permits_owner(r.try_get("owner_org_id")?) && r.try_get::<i64, _>("withheld")? == 0)
}

#[async_trait]
impl RegistryRead for SqlStore {
    async fn get(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<Record>> {
        let mut conn = self.pool.acquire().await?;
        fetch(&mut conn, kind, id, Some(scope)).await
    }

    async fn list(&self, kind: Kind, query: &ListQuery, scope: Scope) -> Result<Page<Record>> {
        let keyword = query.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty());
        let Selection {
            from,
            wh,
            mut args,
            id_key,
            indexed,
            unfiltered,
            reads,
            withhold,
        } = self.selection(kind, query, scope).await?;
        // A keyword search counts its records up to a lower cap: a frequent
        // keyword ("合同") matches most records, and counting ten thousand
        // of them through LIKE costs every request; past the cap the page
        // says "1000+" and pages on with "next".
        let cap = if keyword.is_some() {
            KEYWORD_COUNT_CAP
        } else {
            COUNT_CAP
        };
        // What the list's statements read (their generations read once).
        let mut reads = Reads::new(reads);
        let page_size = query.page_size.clamp(1, 500);
        let page = query.page.max(1);
        let first = (page as usize - 1) * page_size as usize;
        // A keyword search in the default order: its ids (up to the count
        // cap) in one pass through the index give both the count and the
        // page, instead of evaluating the index twice.
        if indexed && query.is_default_order() && query.after.is_none() && first < cap as usize {
            let ids = self
                .lists
                .ids(
                    &self.pool,
                    self.backend,
                    &mut reads,
                    format!(
                        "SELECT t.id AS id FROM {from} WHERE {wh} ORDER BY {id_key} DESC LIMIT {}",
                        cap + 1
                    ),
                    args.clone(),
                )
                .await?;
            let counted = ids.len() as i64;
            // A page reaching past the ids kept (the cap) goes the other way.
            if counted <= cap || first + page_size as usize <= ids.len() {
                return self.page_of_ids(kind, &ids, query, counted, cap).await;
            }
        }
        let counted: i64 = if unfiltered {
            self.kept_count(kind, query.archived, scope, withhold).await?
        } else {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {from} WHERE {wh} LIMIT {}) c",
                cap + 1
            );
            self.lists.count(&self.pool, &mut reads, sql, args.clone()).await?
        };
        let total = counted.min(cap);
        let mut page_wh = wh;
        let mut offset = first as i64;
        if !indexed && query.is_default_order() && query.after.is_none() {
            // A filtered list's first ids are kept like a keyword's: its
            // first pages, asked again, cost no index work until a write.
            if !unfiltered && first + page_size as usize <= KEPT_PAGE_IDS {
                let ids = self
                    .lists
                    .ids(
                        &self.pool,
                        self.backend,
                        &mut reads,
                        format!(
                            "SELECT t.id AS id FROM {from} WHERE {page_wh} ORDER BY {id_key} DESC LIMIT {KEPT_PAGE_IDS}"
                        ),
                        args.clone(),
                    )
                    .await?;
                return self.page_of_ids(kind, &ids, query, counted, cap).await;
            }
            // A deep page by number starts from a kept anchor, the id at
            // the last multiple of ANCHOR_STEP before it, instead of
            // skipping all the index entries before the page every time.
            if first >= ANCHOR_STEP {
                let at = first / ANCHOR_STEP * ANCHOR_STEP;
                let anchor = self
                    .lists
                    .ids(
                        &self.pool,
                        self.backend,
                        &mut reads,
                        format!(
                            "SELECT t.id AS id FROM {from} WHERE {page_wh} ORDER BY {id_key} DESC LIMIT 1 OFFSET {at}"
                        ),
                        args.clone(),
                    )
                    .await?;
                if let Some(a) = anchor.first() {
                    args.push(Arg::Int(Some(*a)));
                    page_wh = format!("{page_wh} AND {id_key} <= ${}", args.len());
                    offset = (first - at) as i64;
                }
            }
        }
        // The order, on the page's ids (`id_key`, the index's rowid when
        // the keyword index is joined) and on the rows read for them.
        // A reference to a record the reader may not see sorts as if it had
        // no name: its title must not show through the order.
        let withheld_ref = match query.sort.and_then(|(col, _)| kind.field(col)).map(|f| f.ty) {
            Some(FieldType::Ref(k)) => super::args::withheld_ids(k, scope, &mut args),
            _ => None,
        };
        let order = |id: &str| match query.sort {
            Some(("id", false)) => format!("{id} ASC"),
            Some((col, desc)) if kind.field(col).is_some() || matches!(col, "updated_at" | "created_at") => {
                let dir = if desc { "DESC" } else { "ASC" };
                // A reference sorts by the name people see, not by its id.
                let key = match kind.field(col).map(|f| f.ty) {
                    Some(FieldType::Ref(k)) => {
                        let hidden = withheld_ref
                            .as_deref()
                            .map(|sub| format!(" AND r.id NOT IN ({sub})"))
                            .unwrap_or_default();
                        format!(
                            "(SELECT r.{} FROM {} r WHERE r.id = t.{col}{hidden})",
                            k.label_field(),
                            k.table(),
                        )
                    }
                    _ => format!("t.{col}"),
                };
                format!("{key} {dir}, {id} DESC")
            }
            _ => format!("{id} DESC"),
        };
        // The cursor: the records after the given id in the default order
        // (newest first), without skipping over the ones before it.
        if let Some(after) = query.after
            && query.is_default_order()
        {
            args.push(Arg::Int(Some(after)));
            page_wh = format!("{page_wh} AND {id_key} < ${}", args.len());
            offset = 0;
        }
        args.push(Arg::Int(Some(page_size as i64)));
        let lim = args.len();
        args.push(Arg::Int(Some(offset)));
        let off = args.len();
        // The page's ids first (from an index where one covers the
        // conditions, so skipping OFFSET rows reads index entries, not
        // rows), then only those rows.
        let sql = format!(
            "SELECT {} FROM {} t WHERE t.id IN \
             (SELECT t.id FROM {from} WHERE {page_wh} ORDER BY {} LIMIT ${lim} OFFSET ${off}) \
             ORDER BY {}",
            columns(kind),
            kind.table(),
            order(&id_key),
            order("t.id"),
        );
        let rows = q(sql, args).fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| decode_record(kind, r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            total_is_exact: counted <= cap,
            page,
            page_size,
        })
    }

    async fn labels(&self, wanted: &[(Kind, Vec<i64>, Scope)]) -> Result<HashMap<(Kind, i64), String>> {
        let mut out = HashMap::new();
        // One statement for every kind of a page (a UNION of one SELECT per
        // kind), in chunks that keep the number of arguments modest.
        let mut parts: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut kinds: Vec<Kind> = Vec::new();
        let flush = |parts: &mut Vec<String>, args: &mut Vec<Arg>| {
            let sql = std::mem::take(parts).join(" UNION ALL ");
            (sql, std::mem::take(args))
        };
        let mut statements = Vec::new();
        for (kind, ids, scope) in wanted {
            let org = scope.for_kind(*kind).organization();
            for chunk in ids.chunks(200) {
                if args.len() + chunk.len() > 400 && !parts.is_empty() {
                    statements.push(flush(&mut parts, &mut args));
                }
                let pos = kinds.iter().position(|k| k == kind).unwrap_or_else(|| {
                    kinds.push(*kind);
                    kinds.len() - 1
                });
                let mut ph = Vec::with_capacity(chunk.len());
                for i in chunk {
                    args.push(Arg::Int(Some(*i)));
                    ph.push(format!("${}", args.len()));
                }
                // A record inside the organization scope but withheld for
                // its classification is named by WITHHELD_LABEL, never its
                // title; one outside the organization scope is not named.
                let mut sql = format!(
                    "SELECT CAST({pos} AS BIGINT) AS k, t.id AS id, {} AS label, {} AS withheld FROM {} t WHERE t.id IN ({})",
                    kind.label_field(),
                    "{withheld}",
                    kind.table(),
                    ph.join(", ")
                );
                if let Some(o) = org {
                    args.push(Arg::Int(Some(o)));
                    sql.push_str(&format!(" AND t.owner_org_id = ${}", args.len()));
                }
                let withheld = withheld_flag(*kind, *scope, &mut args);
                parts.push(sql.replace("{withheld}", &withheld));
            }
        }
        if !parts.is_empty() {
            statements.push(flush(&mut parts, &mut args));
        }
        for (sql, args) in statements {
            for row in q(sql, args).fetch_all(&self.pool).await? {
                let k: i64 = row.try_get("k")?;
                let kind = kinds
                    .get(k as usize)
                    .copied()
                    .ok_or_else(|| StoreError::other(format!("labels: unexpected kind index {k}")))?;
                let label = if row.try_get::<i64, _>("withheld")? != 0 {
                    kean_core::confidentiality::WITHHELD_LABEL.to_string()
                } else {
                    row.try_get::<Option<String>, _>("label")?.unwrap_or_default()
                };
                out.insert((kind, row.try_get("id")?), label);
            }
        }
        Ok(out)
    }

    async fn options(&self, kind: Kind, scope: Scope, limit: u32) -> Result<Vec<(i64, String)>> {
        let mut args = vec![];
        let mut sql = format!(
            "SELECT t.id AS id, t.{} AS label FROM {} t WHERE t.archived = 0",
            kind.label_field(),
            kind.table()
        );
        sql.push_str(&and_scope(kind, scope, "t", &mut args));
        args.push(Arg::Int(Some(limit as i64)));
        sql.push_str(&format!(" ORDER BY t.{} LIMIT ${}", kind.label_field(), args.len()));
        q(sql, args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get::<Option<String>, _>("label")?.unwrap_or_default(),
                ))
            })
            .collect()
    }

    async fn owner_of(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<(Option<i64>, bool)>> {
        let mut sql = format!(
            "SELECT t.owner_org_id, t.archived FROM {} t WHERE t.id = $1",
            kind.table()
        );
        let mut args = vec![Arg::Int(Some(id))];
        sql.push_str(&and_scope(kind, scope, "t", &mut args));
        match q(sql, args).fetch_optional(&self.pool).await? {
            Some(row) => Ok(Some((
                row.try_get("owner_org_id")?,
                row.try_get::<i64, _>("archived")? != 0,
            ))),
            None => Ok(None),
        }
    }

    async fn count(&self, kind: Kind, scope: Scope) -> Result<i64> {
        let Selection {
            from,
            wh,
            args,
            reads,
            withhold,
            ..
        } = self.selection(kind, &ListQuery::default(), scope).await?;
        // The whole kind: the counts the write path keeps (the home page
        // asks for every kind on every visit). One organization's: counted,
        // and kept per generation like any filtered count.
        if scope.for_kind(kind).organization().is_none() {
            return self.kept_count(kind, ArchivedFilter::Active, scope, withhold).await;
        }
        self.lists
            .count(
                &self.pool,
                &mut Reads::new(reads),
                format!("SELECT COUNT(*) AS n FROM {from} WHERE {wh}"),
                args,
            )
            .await
    }

    async fn aggregate(
        &self,
        kind: Kind,
        query: &ListQuery,
        group: GroupBy,
        sums: &[&'static str],
        scope: Scope,
    ) -> Result<Vec<AggRow>> {
        let Selection { from, wh, args, .. } = self.selection(kind, query, scope).await?;
        let is_date = |n: &str| kind.field(n).is_some_and(|f| f.ty == FieldType::Date);
        let key = match group {
            GroupBy::Nothing => "CAST(NULL AS TEXT)".to_string(),
            GroupBy::Field(n) if kind.field(n).is_some() => format!("CAST({n} AS TEXT)"),
            GroupBy::Month(n) if is_date(n) => format!("SUBSTR({n}, 1, 7)"),
            GroupBy::Year(n) if is_date(n) => format!("SUBSTR({n}, 1, 4)"),
            GroupBy::OwnerField(n) if Kind::Organization.field(n).is_some() && kind.owner() != Owner::None => {
                format!("(SELECT CAST(o.{n} AS TEXT) FROM organizations o WHERE o.id = t.owner_org_id)")
            }
            GroupBy::DayAnd(d, f) if is_date(d) && f.is_none_or(|f| kind.field(f).is_some()) => d.to_string(),
            other => {
                return Err(StoreError::other(format!("cannot group {} by {other:?}", kind.table())));
            }
        };
        let mut sum_cols = vec![];
        for (i, s) in sums.iter().enumerate() {
            if !kind.field(s).is_some_and(|f| f.ty == FieldType::Money) {
                return Err(StoreError::other(format!("{}.{s} is not an amount", kind.table())));
            }
            sum_cols.push((i, *s));
        }
        let sql = if let GroupBy::DayAnd(_, second) = group {
            // Grouped by the stored values themselves (the date is the
            // covering index's first column), converted to text once per
            // group rather than once per row.
            let k2 = second.unwrap_or("NULL");
            let inner: Vec<String> = [format!("{key} AS d"), format!("{k2} AS f"), "COUNT(*) AS n".to_string()]
                .into_iter()
                .chain(sum_cols.iter().map(|(i, s)| format!("COALESCE(SUM({s}), 0) AS s{i}")))
                .collect();
            let outer: Vec<String> = [
                "CAST(x.d AS TEXT) AS gk".to_string(),
                "CAST(x.f AS TEXT) AS gk2".to_string(),
                "CAST(x.n AS BIGINT) AS n".to_string(),
            ]
            .into_iter()
            .chain(sum_cols.iter().map(|(i, _)| format!("CAST(x.s{i} AS BIGINT) AS s{i}")))
            .collect();
            format!(
                "SELECT {} FROM (SELECT {} FROM {from} WHERE {wh} GROUP BY 1, 2) x ORDER BY 1, 2",
                outer.join(", "),
                inner.join(", "),
            )
        } else if let GroupBy::OwnerField(n) = group {
            // Aggregate per owner first (an index-only scan where a covering
            // index exists), then fold the owners into the attribute's groups.
            // `+owner_org_id` and `GROUP BY 1`: SQLite 3.51 would otherwise walk
            // the whole table in owner order to skip the grouping sort
            // (2.5 s instead of 0.13 s over a million contracts).
            let inner: Vec<String> = std::iter::once("+owner_org_id AS owner_org_id, COUNT(*) AS n".to_string())
                .chain(sum_cols.iter().map(|(i, s)| format!("COALESCE(SUM({s}), 0) AS s{i}")))
                .collect();
            let outer: Vec<String> = [
                "CAST(o.".to_string() + n + " AS TEXT) AS gk",
                "CAST(SUM(x.n) AS BIGINT) AS n".to_string(),
            ]
            .into_iter()
            .chain(
                sum_cols
                    .iter()
                    .map(|(i, _)| format!("CAST(SUM(x.s{i}) AS BIGINT) AS s{i}")),
            )
            .collect();
            format!(
                "SELECT {} FROM (SELECT {} FROM {from} WHERE {wh} GROUP BY 1) x \
                 LEFT JOIN organizations o ON o.id = x.owner_org_id GROUP BY gk ORDER BY gk",
                outer.join(", "),
                inner.join(", "),
            )
        } else {
            let mut cols = vec![format!("{key} AS gk"), "COUNT(*) AS n".to_string()];
            cols.extend(
                sum_cols
                    .iter()
                    .map(|(i, s)| format!("CAST(COALESCE(SUM({s}), 0) AS BIGINT) AS s{i}")),
            );
            let group_sql = if group == GroupBy::Nothing {
                String::new()
            } else {
                " GROUP BY gk ORDER BY gk".to_string()
            };
            format!("SELECT {} FROM {from} WHERE {wh}{group_sql}", cols.join(", "),)
        };
        q(sql, args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(AggRow {
                    key: r.try_get::<Option<String>, _>("gk")?,
                    key2: match group {
                        GroupBy::DayAnd(..) => r.try_get::<Option<String>, _>("gk2")?,
                        _ => None,
                    },
                    count: r.try_get("n")?,
                    sums: (0..sums.len())
                        .map(|i| r.try_get::<i64, _>(format!("s{i}").as_str()))
                        .collect::<std::result::Result<_, _>>()?,
                })
            })
            .collect()
    }

    async fn keys(&self, kind: Kind, fields: &[&'static str], scope: Scope) -> Result<Vec<KeyRow>> {
        let mut cols = vec!["id".to_string(), "owner_org_id".to_string(), "archived".to_string()];
        for (i, f) in fields.iter().enumerate() {
            if kind.field(f).is_none() {
                return Err(StoreError::other(format!("{} has no field {f}", kind.table())));
            }
            cols.push(format!("CAST({f} AS TEXT) AS k{i}"));
        }
        let mut sql = format!("SELECT {} FROM {} t WHERE 1 = 1", cols.join(", "), kind.table());
        let mut args = vec![];
        sql.push_str(&and_scope(kind, scope, "t", &mut args));
        q(sql, args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let vals = (0..fields.len())
                    .map(|i| r.try_get::<Option<String>, _>(format!("k{i}").as_str()))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(KeyRow {
                    id: r.try_get("id")?,
                    owner_org_id: r.try_get("owner_org_id")?,
                    archived: r.try_get::<i64, _>("archived")? != 0,
                    values: vals,
                })
            })
            .collect()
    }

    async fn existing_combos(
        &self,
        kind: Kind,
        fields: &[&'static str],
        scope: Scope,
    ) -> Result<Taken<Vec<Option<String>>>> {
        if fields.iter().any(|f| kind.field(f).is_none()) {
            return Err(StoreError::other(format!("{} lacks one of {fields:?}", kind.table())));
        }
        let cols: Vec<String> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| format!("CAST({f} AS TEXT) AS k{i}"))
            .collect();
        let mut args = vec![];
        let sql = format!(
            "SELECT {}, t.owner_org_id AS owner_org_id, {} AS withheld FROM {} t",
            cols.join(", "),
            withheld_flag(kind, scope, &mut args),
            kind.table()
        );
        let scope = scope.for_kind(kind);
        let mut taken = Taken::default();
        for r in q(sql, args).fetch_all(&self.pool).await? {
            let key = (0..fields.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(format!("k{i}").as_str())
                        .map_err(StoreError::from)
                })
                .collect::<Result<Vec<_>>>()?;
            taken.add(key, visible(&scope, &r)?);
        }
        Ok(taken)
    }

    async fn existing_values(
        &self,
        kind: Kind,
        field: &'static str,
        values: &[Value],
        scope: Scope,
    ) -> Result<Taken<String>> {
        let f = kind
            .field(field)
            .ok_or_else(|| StoreError::other(format!("{} has no field {field}", kind.table())))?;
        let scope = scope.for_kind(kind);
        let mut taken = Taken::default();
        for chunk in values.chunks(500) {
            let mut args: Vec<Arg> = chunk.iter().map(|v| value_arg(f.ty, v)).collect();
            let ph: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
            let withheld = withheld_flag(kind, scope, &mut args);
            let sql = format!(
                "SELECT CAST(t.{field} AS TEXT) AS v, t.owner_org_id AS owner_org_id, {withheld} AS withheld \
                 FROM {} t WHERE t.{field} IN ({})",
                kind.table(),
                ph.join(", ")
            );
            for r in q(sql, args).fetch_all(&self.pool).await? {
                if let Some(v) = r.try_get::<Option<String>, _>("v")? {
                    taken.add(v, visible(&scope, &r)?);
                }
            }
        }
        Ok(taken)
    }

    async fn find_import(&self, kind: Kind, content_hash: &str, scope: Scope) -> Result<Option<ImportRecord>> {
        let mut args = vec![
            Arg::Text(Some(kind.slug().to_string())),
            Arg::Text(Some(content_hash.to_string())),
        ];
        // An organization-scoped actor sees the imports of its own
        // organization's accounts only.
        let mine = match scope.organization() {
            Some(org) => {
                args.push(Arg::Int(Some(org)));
                " AND actor_id IN (SELECT id FROM users WHERE org_id = $3)"
            }
            None => "",
        };
        let row = q(
            format!(
                "SELECT id, kind, content_hash, file_name, row_count, actor, created_at FROM imports \
                 WHERE kind = $1 AND content_hash = $2{mine} ORDER BY id DESC LIMIT 1"
            ),
            args,
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(ImportRecord {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                content_hash: r.try_get("content_hash")?,
                file_name: r.try_get("file_name")?,
                row_count: r.try_get("row_count")?,
                actor: r.try_get("actor")?,
                created_at: r.try_get("created_at")?,
            })),
            None => Ok(None),
        }
    }
}
