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
    pub contracts: Figure,
    pub contracts_by_month: Vec<Bucket>,
    pub contracts_by_district: Vec<Bucket>,
    pub contracts_by_chain: Vec<Bucket>,
    /// Technology-service enterprises reporting revenue for `to`'s year:
    /// amounts = [revenue].
    pub tech_service: Figure,
    /// Achievement transfers: amounts = [amount].
    pub transfers: Figure,
    pub transfers_by_month: Vec<Bucket>,
}

impl Access {
    async fn agg(&self, kind: Kind, q: &ListQuery, group: GroupBy, sums: &[&'static str]) -> Result<Vec<AggRow>> {
        let scope = kean_core::policy::authorize(self.actor(), kean_core::policy::Action::Read, Some(kind))
            .map_err(crate::AppError::denied)?;
        self.app()
            .store()
            .aggregate(kind, q, group, sums, scope)
            .await
            .map_err(crate::AppError::from_store)
    }

    async fn figure(
        &self,
        kind: Kind,
        date_field: &'static str,
        sums: &[&'static str],
        f: &StatFilter,
        chain_on_record: bool,
    ) -> Result<Figure> {
        let one = |f: &StatFilter| self.period_query(date_field, f, chain_on_record);
        let (prev_filter, this_q) = (f.previous_year(), one(f));
        let prev_q = one(&prev_filter);
        let (now, prev) = tokio::try_join!(
            self.agg(kind, &this_q, GroupBy::Nothing, sums),
            self.agg(kind, &prev_q, GroupBy::Nothing, sums)
        )?;
        let first = |rows: &[AggRow]| {
            rows.first().cloned().unwrap_or(AggRow {
                key: None,
                count: 0,
                sums: vec![0; sums.len()],
            })
        };
        let (n, p) = (first(&now), first(&prev));
        Ok(Figure {
            count: n.count,
            amounts: n.sums,
            prev_count: p.count,
            prev_amounts: p.sums,
            link: link(kind, &f.link_params(Some(date_field), chain_on_record)),
        })
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
        Ok(rows
            .into_iter()
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
            .collect())
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
        let platforms_by_level = self
            .buckets(Kind::Platform, &pq, GroupBy::Field("level"), None, &plinks)
            .await?;
        let platforms_by_type = self
            .buckets(Kind::Platform, &pq, GroupBy::Field("platform_type"), None, &plinks)
            .await?;
        let platforms_total = platforms_by_level.iter().map(|b| b.count).sum();

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
        let high_tech_valid = self
            .agg(Kind::Organization, &hq, GroupBy::Nothing, &[])
            .await?
            .first()
            .map(|r| r.count)
            .unwrap_or(0);
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

        // Technology contracts, by registration date; the aggregates run
        // side by side on the pool's connections.
        let cq = self.period_query("registered_on", f, true);
        let clinks = f.link_params(Some("registered_on"), true);
        let (contracts, contracts_by_month, contracts_by_district, contracts_by_chain) = tokio::try_join!(
            self.figure(
                Kind::Contract,
                "registered_on",
                &["contract_value", "tech_value"],
                f,
                true
            ),
            self.buckets(
                Kind::Contract,
                &cq,
                GroupBy::Month("registered_on"),
                Some("contract_value"),
                &clinks
            ),
            self.buckets(
                Kind::Contract,
                &cq,
                GroupBy::OwnerField("district_id"),
                Some("contract_value"),
                &clinks
            ),
            self.buckets(
                Kind::Contract,
                &cq,
                GroupBy::Field("industry_chain_id"),
                Some("contract_value"),
                &clinks
            ),
        )?;

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
        let now = self
            .agg(Kind::RevenueReport, &revenue(year), GroupBy::Nothing, &["revenue"])
            .await?;
        let prev = self
            .agg(Kind::RevenueReport, &revenue(year - 1), GroupBy::Nothing, &["revenue"])
            .await?;
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

        // Achievement transfers (chain: the owner's chain).
        let tq = self.period_query("transferred_on", f, false);
        let tlinks = f.link_params(Some("transferred_on"), false);
        let (transfers, transfers_by_month) = tokio::try_join!(
            self.figure(Kind::Transfer, "transferred_on", &["amount"], f, false),
            self.buckets(
                Kind::Transfer,
                &tq,
                GroupBy::Month("transferred_on"),
                Some("amount"),
                &tlinks
            ),
        )?;

        Ok(Dashboard {
            from: f.from,
            to: f.to,
            platforms_total,
            platforms_by_level,
            platforms_by_type,
            high_tech_valid,
            high_tech_link: link(Kind::Organization, &hl),
            contracts,
            contracts_by_month,
            contracts_by_district,
            contracts_by_chain,
            tech_service,
            transfers,
            transfers_by_month,
        })
    }
}
