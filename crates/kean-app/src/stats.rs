//! The bureau's figures, computed from the records — never stored. Every
//! aggregate runs through [`Access`], so a liaison's dashboard counts only
//! its own organization's records, and each figure carries the list query
//! that shows the records behind it.

use chrono::{Datelike, Months, NaiveDate};
use kean_core::{Fen, Kind, Value};
use kean_store::{AggRow, GroupBy, ListQuery};
use serde::Serialize;

use crate::{Access, Result};

/// What the figures are filtered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatFilter {
    /// Inclusive period.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub district_id: Option<i64>,
    pub industry_chain_id: Option<i64>,
    /// Organization type of the owning organization (enterprise, university …).
    pub org_type: Option<String>,
}

impl StatFilter {
    pub fn year(year: i32) -> StatFilter {
        StatFilter {
            from: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
            to: NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
            district_id: None,
            industry_chain_id: None,
            org_type: None,
        }
    }

    /// The filter in one line, as exports record it in the audit log:
    /// `FROM..TO` and each set filter as ` name=value`.
    pub fn describe(&self) -> String {
        let mut described = format!("{}..{}", self.from, self.to);
        for (k, v) in [
            ("district_id", self.district_id.map(|x| x.to_string())),
            ("industry_chain_id", self.industry_chain_id.map(|x| x.to_string())),
            ("org_type", self.org_type.clone()),
        ] {
            if let Some(v) = v {
                described.push_str(&format!(" {k}={v}"));
            }
        }
        described
    }

    /// The same period one year earlier, for year-on-year growth.
    pub fn previous_year(&self) -> StatFilter {
        let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
        StatFilter {
            from: back(self.from),
            to: back(self.to),
            ..self.clone()
        }
    }

    fn owner_filters(&self, with_chain: bool) -> Vec<(&'static str, Value)> {
        let mut v = vec![];
        if let Some(d) = self.district_id {
            v.push(("district_id", Value::Ref(d)));
        }
        if let Some(t) = &self.org_type {
            v.push(("org_type", Value::Text(t.clone())));
        }
        if with_chain && let Some(c) = self.industry_chain_id {
            v.push(("industry_chain_id", Value::Ref(c)));
        }
        v
    }

    /// List-page parameters for the same selection (for "show the records").
    fn link_params(&self, date_field: Option<&str>, chain_on_record: bool) -> Vec<(String, String)> {
        let mut p = vec![];
        if let Some(f) = date_field {
            p.push((format!("{f}_from"), self.from.to_string()));
            p.push((format!("{f}_to"), self.to.to_string()));
        }
        if let Some(d) = self.district_id {
            p.push(("owner_district_id".into(), d.to_string()));
        }
        if let Some(t) = &self.org_type {
            p.push(("owner_org_type".into(), t.clone()));
        }
        if let Some(c) = self.industry_chain_id {
            let key = if chain_on_record {
                "industry_chain_id"
            } else {
                "owner_industry_chain_id"
            };
            p.push((key.into(), c.to_string()));
        }
        p
    }
}

fn link(kind: Kind, params: &[(String, String)]) -> String {
    let q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("/registry/{}?{}", kind.slug(), q.join("&"))
}

/// A count and amounts in a period, with the same for a year earlier.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub count: i64,
    /// In fen, in the order the figure defines.
    pub amounts: Vec<i64>,
    pub prev_count: i64,
    pub prev_amounts: Vec<i64>,
    /// The list of records behind the figure.
    pub link: String,
}

impl Figure {
    /// Year-on-year growth of amount `i`, e.g. 2.22 for +222%.
    pub fn growth(&self, i: usize) -> Option<f64> {
        let (now, prev) = (*self.amounts.get(i)?, *self.prev_amounts.get(i)?);
        (prev > 0).then(|| now as f64 / prev as f64 - 1.0)
    }
    pub fn count_growth(&self) -> Option<f64> {
        (self.prev_count > 0).then(|| self.count as f64 / self.prev_count as f64 - 1.0)
    }
    pub fn amount(&self, i: usize) -> Fen {
        Fen(self.amounts.get(i).copied().unwrap_or(0))
    }
}

/// One group of a breakdown, with the list behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    /// The stored key (code, id or month); empty for "none".
    pub key: String,
    pub count: i64,
    pub amount: i64,
    pub link: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub platforms_total: i64,
    pub platforms_by_level: Vec<Bucket>,
    pub platforms_by_type: Vec<Bucket>,
    /// Enterprises whose high-tech certificate is valid on `to`.
    pub high_tech_valid: i64,
    pub high_tech_link: String,
    /// Registered technology contracts: amounts = [成交额, 技术交易额].
    pub tech_contracts: Figure,
    pub tech_contracts_by_month: Vec<Bucket>,
    pub tech_contracts_by_district: Vec<Bucket>,
    pub tech_contracts_by_chain: Vec<Bucket>,
    /// Technology-service enterprises reporting revenue for `to`'s year:
    /// amounts = [revenue].
    pub tech_service: Figure,
    /// Achievement transfers: amounts = [amount].
    pub transfers: Figure,
    pub transfers_by_month: Vec<Bucket>,
}

impl Dashboard {
    /// The lines of the summary table: platforms, high-tech enterprises,
    /// technology contracts (count, value, technology value), technology services
    /// (count, revenue), transfers (count, amount) and the period.
    pub const SUMMARY_LINES: usize = 10;

    /// How many table rows the dashboard's export holds: the summary's
    /// lines and one per group of every breakdown (recorded in the audit
    /// log as the export's size).
    pub fn figure_count(&self) -> usize {
        Self::SUMMARY_LINES
            + [
                &self.platforms_by_level,
                &self.platforms_by_type,
                &self.tech_contracts_by_month,
                &self.tech_contracts_by_district,
                &self.tech_contracts_by_chain,
                &self.transfers_by_month,
            ]
            .iter()
            .map(|b| b.len())
            .sum::<usize>()
    }
}

impl Access {
    async fn agg(&self, kind: Kind, q: &ListQuery, group: GroupBy, sums: &[&'static str]) -> Result<Vec<AggRow>> {
        let scope = self.gate(kean_core::policy::Action::Read, Some(kind))?;
        self.app()
            .store()
            .aggregate(kind, q, group, sums, scope)
            .await
            .map_err(crate::AppError::from_store)
    }

    fn period_query(&self, date_field: &'static str, f: &StatFilter, chain_on_record: bool) -> ListQuery {
        let mut q = ListQuery {
            date_range: Some((date_field, Some(f.from), Some(f.to))),
            owner_filters: f.owner_filters(!chain_on_record),
            ..Default::default()
        };
        if chain_on_record && let Some(c) = f.industry_chain_id {
            q.filters.push(("industry_chain_id", Value::Ref(c)));
        }
        q
    }

    async fn buckets(
        &self,
        kind: Kind,
        q: &ListQuery,
        group: GroupBy,
        sum: Option<&'static str>,
        base: &[(String, String)],
    ) -> Result<Vec<Bucket>> {
        let sums: Vec<&'static str> = sum.into_iter().collect();
        let rows = self.agg(kind, q, group, &sums).await?;
        Ok(to_buckets(kind, rows, group, base))
    }

    /// A figure of a period with its breakdown by month and, if asked, by a
    /// field, from one pass over the period's records (grouped by day and
    /// the field, folded here) and one over the previous year's.
    async fn period_figures(
        &self,
        kind: Kind,
        date_field: &'static str,
        sums: &[&'static str],
        by: Option<&'static str>,
        f: &StatFilter,
        chain_on_record: bool,
    ) -> Result<PeriodFigures> {
        let this_q = self.period_query(date_field, f, chain_on_record);
        let prev_q = self.period_query(date_field, &f.previous_year(), chain_on_record);
        let (grid, prev) = tokio::try_join!(
            self.agg(kind, &this_q, GroupBy::DayAnd(date_field, by), sums),
            self.agg(kind, &prev_q, GroupBy::Nothing, sums)
        )?;
        let base = f.link_params(Some(date_field), chain_on_record);
        let (total, by_month, by_field) = fold_grid(&grid, sums.len());
        let p = prev.first().cloned().unwrap_or(AggRow {
            key: None,
            key2: None,
            count: 0,
            sums: vec![0; sums.len()],
        });
        let first_sum_only = |rows: Vec<AggRow>| -> Vec<AggRow> {
            rows.into_iter()
                .map(|mut r| {
                    r.sums.truncate(1);
                    r
                })
                .collect()
        };
        Ok(PeriodFigures {
            figure: Figure {
                count: total.count,
                amounts: total.sums,
                prev_count: p.count,
                prev_amounts: p.sums,
                link: link(kind, &base),
            },
            by_month: to_buckets(kind, first_sum_only(by_month), GroupBy::Month(date_field), &base),
            by_field: match by {
                Some(n) => to_buckets(kind, first_sum_only(by_field), GroupBy::Field(n), &base),
                None => vec![],
            },
        })
    }

    /// The dashboard for a statistics export, audited like any data leaving
    /// kean (target `statistics`, the number of figures and the filter).
    /// Every figure is read through the gate, as on the page.
    pub async fn export_dashboard(&self, filter: &StatFilter, format: &str) -> Result<Dashboard> {
        let d = self.dashboard(filter).await?;
        let figures = d.figure_count();
        self.append_export_audit("statistics", format, figures, &filter.describe())
            .await?;
        Ok(d)
    }

    /// Computes the dashboard for a filter.
    pub async fn dashboard(&self, f: &StatFilter) -> Result<Dashboard> {
        // Innovation platforms (currently recognised, i.e. active records).
        let mut pq = ListQuery {
            owner_filters: f.owner_filters(false),
            ..Default::default()
        };
        if let Some(c) = f.industry_chain_id {
            pq.filters.push(("industry_chain_id", Value::Ref(c)));
        }
        let plinks = f.link_params(None, true);

        // High-tech certificates valid on the last day of the period: issued
        // within the three years up to it.
        let since =
            f.to.checked_sub_months(Months::new(36))
                .and_then(|d| d.succ_opt())
                .unwrap_or(f.to);
        let mut hq = ListQuery {
            date_range: Some(("high_tech_issued_on", Some(since), Some(f.to))),
            ..Default::default()
        };
        if let Some(d) = f.district_id {
            hq.filters.push(("district_id", Value::Ref(d)));
        }
        if let Some(t) = &f.org_type {
            hq.filters.push(("org_type", Value::Text(t.clone())));
        }
        if let Some(c) = f.industry_chain_id {
            hq.filters.push(("industry_chain_id", Value::Ref(c)));
        }
        let mut hl = vec![
            ("high_tech_issued_on_from".to_string(), since.to_string()),
            ("high_tech_issued_on_to".to_string(), f.to.to_string()),
        ];
        if let Some(d) = f.district_id {
            hl.push(("district_id".into(), d.to_string()));
        }
        if let Some(t) = &f.org_type {
            hl.push(("org_type".into(), t.clone()));
        }
        if let Some(c) = f.industry_chain_id {
            hl.push(("industry_chain_id".into(), c.to_string()));
        }

        // Technology contracts, by registration date.
        let cq = self.period_query("registered_on", f, true);
        let clinks = f.link_params(Some("registered_on"), true);

        // Technology-service revenue for the year the period ends in.
        let year = f.to.year();
        let revenue = |y: i32| ListQuery {
            filters: vec![
                ("year", Value::Text(y.to_string())),
                ("tech_service", Value::Bool(true)),
            ],
            owner_filters: f.owner_filters(true),
            ..Default::default()
        };
        let (revenue_now, revenue_prev) = (revenue(year), revenue(year - 1));

        // Every aggregate runs side by side on the pool's connections: the
        // dashboard takes as long as its slowest query, not their sum.
        let (platforms_by_level, platforms_by_type, high_tech, c, tech_contracts_by_district, now, prev, t) = tokio::try_join!(
            self.buckets(Kind::Platform, &pq, GroupBy::Field("level"), None, &plinks),
            self.buckets(Kind::Platform, &pq, GroupBy::Field("platform_type"), None, &plinks),
            self.agg(Kind::Organization, &hq, GroupBy::Nothing, &[]),
            self.period_figures(
                Kind::TechContract,
                "registered_on",
                &["contract_value", "tech_value"],
                Some("industry_chain_id"),
                f,
                true
            ),
            self.buckets(
                Kind::TechContract,
                &cq,
                GroupBy::OwnerField("district_id"),
                Some("contract_value"),
                &clinks
            ),
            self.agg(Kind::RevenueReport, &revenue_now, GroupBy::Nothing, &["revenue"]),
            self.agg(Kind::RevenueReport, &revenue_prev, GroupBy::Nothing, &["revenue"]),
            // Achievement transfers (chain: the owner's chain).
            self.period_figures(Kind::Transfer, "transferred_on", &["amount"], None, f, false),
        )?;
        let platforms_total = platforms_by_level.iter().map(|b| b.count).sum();
        let high_tech_valid = high_tech.first().map(|r| r.count).unwrap_or(0);
        let (tech_contracts, tech_contracts_by_month, tech_contracts_by_chain) = (c.figure, c.by_month, c.by_field);
        let mut rl = f.link_params(None, false);
        rl.push(("year".into(), year.to_string()));
        rl.push(("tech_service".into(), "true".into()));
        let tech_service = Figure {
            count: now.first().map(|r| r.count).unwrap_or(0),
            amounts: vec![now.first().and_then(|r| r.sums.first().copied()).unwrap_or(0)],
            prev_count: prev.first().map(|r| r.count).unwrap_or(0),
            prev_amounts: vec![prev.first().and_then(|r| r.sums.first().copied()).unwrap_or(0)],
            link: link(Kind::RevenueReport, &rl),
        };

        let (transfers, transfers_by_month) = (t.figure, t.by_month);

        Ok(Dashboard {
            from: f.from,
            to: f.to,
            platforms_total,
            platforms_by_level,
            platforms_by_type,
            high_tech_valid,
            high_tech_link: link(Kind::Organization, &hl),
            tech_contracts,
            tech_contracts_by_month,
            tech_contracts_by_district,
            tech_contracts_by_chain,
            tech_service,
            transfers,
            transfers_by_month,
        })
    }
}

/// A period's figure and breakdowns (see `Access::period_figures`).
struct PeriodFigures {
    figure: Figure,
    by_month: Vec<Bucket>,
    by_field: Vec<Bucket>,
}

/// Folds a day-and-field grid into the total, the months (`YYYY-MM`) and
/// the field's groups, each in key order.
fn fold_grid(grid: &[AggRow], sums: usize) -> (AggRow, Vec<AggRow>, Vec<AggRow>) {
    use std::collections::BTreeMap;
    let empty = |key: Option<String>| AggRow {
        key,
        key2: None,
        count: 0,
        sums: vec![0; sums],
    };
    let add = |into: &mut AggRow, r: &AggRow| {
        into.count += r.count;
        for (a, b) in into.sums.iter_mut().zip(&r.sums) {
            *a += b;
        }
    };
    let mut total = empty(None);
    let mut months: BTreeMap<Option<String>, AggRow> = BTreeMap::new();
    let mut fields: BTreeMap<Option<String>, AggRow> = BTreeMap::new();
    for r in grid {
        add(&mut total, r);
        let month = r.key.as_ref().map(|d| d.chars().take(7).collect::<String>());
        add(months.entry(month.clone()).or_insert_with(|| empty(month)), r);
        add(fields.entry(r.key2.clone()).or_insert_with(|| empty(r.key2.clone())), r);
    }
    // Records without a value last, as people expect a "none" group.
    let mut fields: Vec<AggRow> = fields.into_values().collect();
    if fields.first().is_some_and(|r| r.key.is_none()) {
        let none = fields.remove(0);
        fields.push(none);
    }
    (total, months.into_values().collect(), fields)
}

/// Buckets of aggregate rows, each with the list of records behind it.
fn to_buckets(kind: Kind, rows: Vec<AggRow>, group: GroupBy, base: &[(String, String)]) -> Vec<Bucket> {
    rows.into_iter()
        .map(|r| {
            let key = r.key.unwrap_or_default();
            let mut params = base.to_vec();
            match group {
                GroupBy::Field(n) if !key.is_empty() => params.push((n.to_string(), key.clone())),
                GroupBy::OwnerField(n) if !key.is_empty() => params.push((format!("owner_{n}"), key.clone())),
                GroupBy::Month(n) => {
                    if let Ok(first) = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") {
                        let last = first
                            .checked_add_months(Months::new(1))
                            .and_then(|d| d.pred_opt())
                            .unwrap_or(first);
                        params.retain(|(k, _)| !k.starts_with(n));
                        params.push((format!("{n}_from"), first.to_string()));
                        params.push((format!("{n}_to"), last.to_string()));
                    }
                }
                _ => {}
            }
            Bucket {
                link: link(kind, &params),
                count: r.count,
                amount: r.sums.first().copied().unwrap_or(0),
                key,
            }
        })
        .collect()
}
