//! 安全审查: projects' lifecycle on their page, the three gates' work list
//! and review pages, and the two technology dictionaries with their
//! coverage (issue 14).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use kean_app::{Access, AppError, CoverageRow, ReviewView};
use kean_classify::DictionaryKind;
use kean_core::lifecycle::{Decision, Gate, Severity, Stage, Transition};
use kean_core::policy::Action;
use kean_core::{ErrorCode, Kind};

use super::common::{id_of, messages, record_of};
use crate::auth::{WebForm, WebUpload, WebUser};
use crate::i18n::Lang;
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{Chrome, Opt};

fn tr(lang: Lang, zh: &str, en: &str) -> String {
    if lang.zh() { zh.to_string() } else { en.to_string() }
}

fn stage_label(code: &str, zh: bool) -> String {
    Stage::parse(code).map_or_else(|| code.to_string(), |s| s.label(zh).to_string())
}

fn decision_label(code: Option<&str>, zh: bool) -> String {
    code.and_then(Decision::parse)
        .map_or_else(String::new, |d| d.label(zh).to_string())
}

fn state_label(state: &str, lang: Lang) -> String {
    match state {
        "open" => tr(lang, "待审查", "Open"),
        "awaiting_second" => tr(lang, "待复核", "Awaiting second reviewer"),
        "decided" => tr(lang, "已决定", "Decided"),
        "closed" => tr(lang, "已关闭（项目已结束）", "Closed (the project ended)"),
        s => s.to_string(),
    }
}

/// One review as a row of a list.
pub struct ReviewRow {
    pub id: i64,
    pub gate: String,
    pub record: String,
    pub href: String,
    pub state: String,
    pub state_code: String,
    pub opened_at: String,
    pub due_on: String,
    pub decision: String,
    pub reasons: String,
    pub decided: String,
}

fn review_row(r: &kean_app::GateReview, label: &str, lang: Lang) -> ReviewRow {
    let zh = lang.zh();
    ReviewRow {
        id: r.id,
        gate: r.gate.label(zh).to_string(),
        record: format!("{} · {}", r.kind.label(zh), label),
        href: format!("/registry/{}/{}", r.kind.slug(), r.record_id),
        state: state_label(&r.state, lang),
        state_code: r.state.clone(),
        opened_at: kean_core::display_time(&r.opened_at),
        due_on: r.due_on.clone().unwrap_or_default(),
        decision: decision_label(r.decision.as_deref(), zh),
        reasons: r.reasons.clone().unwrap_or_default(),
        decided: r
            .decided_by
            .as_ref()
            .map(|b| format!("{b} {}", kean_core::display_time(r.decided_at.as_deref().unwrap_or(""))))
            .unwrap_or_default(),
    }
}

pub struct PartyRow {
    pub id: i64,
    pub role: String,
    pub name: String,
    pub country: String,
    pub duty: String,
    pub since: String,
    pub until: String,
}

pub struct EventRow {
    pub transition: String,
    pub change: String,
    pub reason: String,
    pub actor: String,
    pub at: String,
}

pub struct LinkRow {
    pub id: i64,
    pub dictionary: String,
    pub item: String,
    pub score: String,
    pub matched: String,
    pub state: String,
    pub state_code: String,
}

fn link_rows(links: &[kean_app::TechLink], lang: Lang) -> Vec<LinkRow> {
    links
        .iter()
        .map(|l| LinkRow {
            id: l.id,
            dictionary: match l.dictionary.as_str() {
                "chokepoint" => tr(lang, "卡脖子技术", "Chokepoint"),
                _ => tr(lang, "出口管制", "Export control"),
            },
            item: format!("{} {}", l.item_code, l.item_name),
            score: format!("{:.2}", l.score_milli as f64 / 1000.0),
            matched: l.matched_terms.clone(),
            state: match l.state.as_str() {
                "confirmed" => tr(lang, "已确认", "Confirmed"),
                "rejected" => tr(lang, "已排除", "Rejected"),
                _ => tr(lang, "系统建议", "Suggested"),
            },
            state_code: l.state.clone(),
        })
        .collect()
}

/// The panel a record's page shows: a project's lifecycle, or the
/// transfer audits of a transfer or contract, or technology links.
#[derive(Template)]
#[template(path = "gates_panel.html")]
struct GatesPanel {
    lang: Lang,
    csrf: String,
    base: String,
    id: i64,
    project: bool,
    stage: String,
    offered: Vec<Opt>,
    events: Vec<EventRow>,
    parties: Vec<PartyRow>,
    may_edit: bool,
    reviews: Vec<ReviewRow>,
    links: Vec<LinkRow>,
    bureau: bool,
    /// A transfer or contract without a transfer audit (the bureau may open one).
    may_open_audit: bool,
    /// A platform without an open security assessment (the bureau may open one).
    may_assess: bool,
    classifiable: bool,
}

/// The gates' panel of record `id`, rendered, when the kind has one and
/// the viewer may see it.
pub async fn gates_panel(access: &Access, lang: Lang, csrf: &str, kind: Kind, id: i64) -> Option<String> {
    let zh = lang.zh();
    let bureau = access.may(Action::ReviewGates, None);
    let base = format!("/registry/{}", kind.slug());
    let panel = match kind {
        Kind::Project => {
            let p = access.project_panel(id).await.ok()?;
            GatesPanel {
                lang,
                csrf: csrf.to_string(),
                base,
                id,
                project: true,
                stage: p.stage.map(|s| s.label(zh).to_string()).unwrap_or_default(),
                offered: p
                    .offered
                    .iter()
                    .map(|t| Opt {
                        value: t.code().into(),
                        label: t.label(zh).into(),
                        selected: false,
                    })
                    .collect(),
                events: p
                    .events
                    .iter()
                    .map(|e| EventRow {
                        transition: Transition::parse(&e.transition)
                            .map_or(e.transition.clone(), |t| t.label(zh).into()),
                        change: format!("{} → {}", stage_label(&e.from_stage, zh), stage_label(&e.to_stage, zh)),
                        reason: e.reason.clone(),
                        actor: e.actor.clone(),
                        at: kean_core::display_time(&e.at),
                    })
                    .collect(),
                parties: p
                    .parties
                    .iter()
                    .map(|x| PartyRow {
                        id: x.id,
                        role: kean_app::PARTY_ROLES
                            .iter()
                            .find(|r| r.0 == x.role)
                            .map_or(x.role.clone(), |r| if zh { r.1 } else { r.2 }.to_string()),
                        name: x.name.clone(),
                        country: x.country.clone(),
                        duty: x.duty.clone().unwrap_or_default(),
                        since: x.since.clone(),
                        until: x.until.clone().unwrap_or_default(),
                    })
                    .collect(),
                may_edit: p.may_edit
                    && p.stage
                        .is_some_and(|s| !s.is_final() && (bureau || s != Stage::ApprovalReview)),
                reviews: p.reviews.iter().map(|r| review_row(r, "", lang)).collect(),
                links: link_rows(&p.links, lang),
                bureau,
                may_open_audit: false,
                may_assess: false,
                classifiable: bureau,
            }
        }
        Kind::Transfer | Kind::TechContract | Kind::Achievement | Kind::Organization | Kind::Platform => {
            let reviews = if matches!(kind, Kind::Transfer | Kind::TechContract | Kind::Platform) {
                access
                    .reviews(&kean_app::ReviewFilter {
                        record: Some((kind, id)),
                        limit: 20,
                        ..kean_app::ReviewFilter::default()
                    })
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            let links = if bureau && !matches!(kind, Kind::Transfer | Kind::Platform) {
                access.links(kind, id).await.unwrap_or_default()
            } else {
                Vec::new()
            };
            if reviews.is_empty() && links.is_empty() && !bureau {
                return None;
            }
            GatesPanel {
                lang,
                csrf: csrf.to_string(),
                base,
                id,
                project: false,
                stage: String::new(),
                offered: vec![],
                events: vec![],
                parties: vec![],
                may_edit: false,
                may_open_audit: bureau && reviews.is_empty() && matches!(kind, Kind::Transfer | Kind::TechContract),
                may_assess: bureau && kind == Kind::Platform && !reviews.iter().any(|(r, _)| r.is_open()),
                reviews: reviews.iter().map(|(r, l)| review_row(r, l, lang)).collect(),
                links: link_rows(&links, lang),
                bureau,
                classifiable: bureau && !matches!(kind, Kind::Transfer | Kind::Platform),
            }
        }
        Kind::Person => return disclosures_panel(access, lang, csrf, id).await,
        _ => return None,
    };
    panel.render().ok()
}

pub struct DisclosureRow {
    pub declared_on: String,
    pub conflicts: String,
    pub foreign_roles: String,
    pub recorded_by: String,
    /// Older than a year: it no longer counts.
    pub lapsed: bool,
}

/// A researcher's conflict-of-interest and foreign-affiliation
/// disclosures (利益冲突与境外任职申报), renewed yearly: the approval
/// review counts only one declared within the past year.
#[derive(Template)]
#[template(path = "disclosures_panel.html")]
struct DisclosuresPanel {
    lang: Lang,
    csrf: String,
    id: i64,
    rows: Vec<DisclosureRow>,
    /// No disclosure within the past year.
    due: bool,
    may_record: bool,
    today: String,
}

async fn disclosures_panel(access: &Access, lang: Lang, csrf: &str, id: i64) -> Option<String> {
    let list = access.disclosures(id).await.ok()?;
    let today = access.today();
    let year_ago = today - chrono::Duration::days(365);
    let rows: Vec<DisclosureRow> = list
        .iter()
        .rev()
        .map(|d| DisclosureRow {
            lapsed: chrono::NaiveDate::parse_from_str(&d.declared_on, "%Y-%m-%d").is_ok_and(|on| on < year_ago),
            declared_on: d.declared_on.clone(),
            conflicts: d.conflicts.clone(),
            foreign_roles: d.foreign_roles.clone(),
            recorded_by: d.recorded_by.clone(),
        })
        .collect();
    DisclosuresPanel {
        lang,
        csrf: csrf.to_string(),
        id,
        due: rows.iter().all(|r| r.lapsed),
        rows,
        may_record: access.may(Action::Update, Some(Kind::Person)),
        today: today.to_string(),
    }
    .render()
    .ok()
}

/// POST /registry/persons/{id}/disclosures (declared_on, conflicts, foreign_roles)
pub async fn add_disclosure(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id)?;
    if kind != Kind::Person {
        return Err(PageError::page(u, AppError::not_found()));
    }
    let get = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    u.access
        .add_disclosure(id, &get("declared_on"), &get("conflicts"), &get("foreign_roles"))
        .await
        .or_page(u)?;
    Ok(Redirect::to(&format!("/registry/persons/{id}?disclosed=1#disclosures")).into_response())
}

fn back_to(kind: Kind, id: i64, flag: &str) -> axum::response::Response {
    Redirect::to(&format!("/registry/{}/{id}?{flag}=1#gates", kind.slug())).into_response()
}

/// POST /registry/projects/{id}/transition (transition, reason)
pub async fn transition(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id)?;
    let get = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    let t = Transition::parse(&get("transition")).ok_or_else(|| {
        PageError::page(
            u,
            AppError::new(ErrorCode::ValidationFailed, "请选择阶段变更", "choose a transition"),
        )
    })?;
    u.access.transition_project(id, t, &get("reason")).await.or_page(u)?;
    Ok(back_to(kind, id, "moved"))
}

/// POST /registry/projects/{id}/parties (role, org_id | person_id | name + country, duty)
pub async fn add_party(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id)?;
    let get = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    let role = get("role");
    let reference = get("reference").trim().parse::<i64>().ok();
    u.access
        .add_project_party(id, &role, reference, &get("name"), &get("country"), &get("duty"))
        .await
        .or_page(u)?;
    Ok(back_to(kind, id, "party_added"))
}

/// POST /project-parties/{id}/remove
pub async fn remove_party(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id)?;
    let p = u.access.remove_project_party(id).await.or_page(u)?;
    Ok(back_to(Kind::Project, p.project_id, "party_removed"))
}

/// POST /registry/{slug}/{id}/transfer-audit
pub async fn open_transfer_audit(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id)?;
    let r = u.access.open_transfer_audit(kind, id).await.or_page(u)?;
    Ok(Redirect::to(&format!("/reviews/{}", r.id)).into_response())
}

/// POST /registry/platforms/{id}/assessment
pub async fn open_assessment(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (_, id) = record_of(u, &slug, &id)?;
    let r = u.access.open_platform_assessment(id).await.or_page(u)?;
    Ok(Redirect::to(&format!("/reviews/{}", r.id)).into_response())
}

/// POST /registry/{slug}/{id}/classify
pub async fn classify(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id)?;
    u.access.classify(kind, id).await.or_page(u)?;
    Ok(back_to(kind, id, "classified"))
}

/// POST /technology-links/{id}/decide (confirm=1|0, back)
pub async fn decide_link(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id)?;
    let confirm = f.form.get("confirm").is_some_and(|v| v == "1");
    let l = u.access.decide_link(id, confirm).await.or_page(u)?;
    match f.form.get("back").and_then(|b| b.parse::<i64>().ok()) {
        Some(review) => Ok(Redirect::to(&format!("/reviews/{review}?link_decided=1")).into_response()),
        None => Ok(back_to(l.kind, l.record_id, "link_decided")),
    }
}

// ---------------------------------------------------------------- work list

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    c: Chrome,
    rows: Vec<ReviewRow>,
    gates: Vec<Opt>,
    states: Vec<Opt>,
    bureau: bool,
    /// Open reviews past their due date, for the bureau.
    overdue: usize,
    /// The work lists: my pending, overdue, blocked, all open.
    tabs: Vec<Tab>,
    decisions: Vec<Opt>,
    /// The filters a tab or a dashboard figure set, kept by the form.
    kept: Vec<(String, String)>,
    /// What those filters are, in words.
    filter_note: String,
}

pub struct Tab {
    pub id: &'static str,
    pub label: String,
    pub href: String,
    pub active: bool,
}

/// GET /reviews?gate=&state=
pub async fn reviews_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let f = crate::api::review_filter(&q, u.access.today()).or_page(&u)?;
    let list = u.access.reviews(&f).await.or_page(&u)?;
    let today = u.access.today().format("%Y-%m-%d").to_string();
    let rows: Vec<ReviewRow> = list.iter().map(|(r, l)| review_row(r, l, u.lang)).collect();
    let overdue = rows
        .iter()
        .filter(|r| {
            (r.state_code == "open" || r.state_code == "awaiting_second") && !r.due_on.is_empty() && r.due_on < today
        })
        .count();
    let zh = u.lang.zh();
    let gate = q.get("gate").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_else(|| "open".into());
    let mut gates = vec![Opt {
        value: String::new(),
        label: tr(u.lang, "全部环节", "All gates"),
        selected: gate.is_empty(),
    }];
    gates.extend(Gate::ALL.iter().map(|g| Opt {
        value: g.code().into(),
        label: g.label(zh).into(),
        selected: gate == g.code(),
    }));
    let states = [
        ("open", "待审查", "Open"),
        ("decided", "已决定", "Decided"),
        ("all", "全部", "All"),
    ]
    .iter()
    .map(|(v, z, e)| Opt {
        value: (*v).into(),
        label: if zh { z } else { e }.to_string(),
        selected: state == *v,
    })
    .collect();
    let bureau = u.access.may(Action::ReviewGates, None);
    let flag = |k: &str| q.get(k).is_some_and(|v| v == "1" || v == "true");
    let plain = !flag("mine") && !flag("overdue") && !flag("blocked");
    let mut tabs = vec![];
    if bureau {
        tabs.push(Tab {
            id: "mine",
            label: tr(u.lang, "我的待办", "My pending"),
            href: "/reviews?state=open&mine=1".into(),
            active: flag("mine"),
        });
    }
    tabs.push(Tab {
        id: "overdue",
        label: tr(u.lang, "已逾期", "Overdue"),
        href: "/reviews?state=open&overdue=1".into(),
        active: flag("overdue"),
    });
    if bureau {
        tabs.push(Tab {
            id: "blocked",
            label: tr(u.lang, "存在阻断项", "Blocked"),
            href: "/reviews?state=all&blocked=1".into(),
            active: flag("blocked"),
        });
    }
    tabs.push(Tab {
        id: "open",
        label: tr(u.lang, "全部待审", "All open"),
        href: "/reviews?state=open".into(),
        active: plain && state == "open",
    });
    tabs.push(Tab {
        id: "decided",
        label: tr(u.lang, "已办结", "Decided"),
        href: "/reviews?state=decided".into(),
        active: plain && state == "decided",
    });
    let decision = q.get("decision").cloned().unwrap_or_default();
    let mut decisions = vec![Opt {
        value: String::new(),
        label: tr(u.lang, "全部结论", "Any decision"),
        selected: decision.is_empty(),
    }];
    decisions.extend(kean_core::lifecycle::Decision::ALL.iter().map(|d| Opt {
        value: d.code().into(),
        label: d.label(zh).into(),
        selected: decision == d.code(),
    }));
    let mut kept_keys = vec!["mine", "overdue", "blocked", "opened_from", "opened_to"];
    if f.decisions.len() > 1 {
        kept_keys.push("decision");
    }
    let kept: Vec<(String, String)> = kept_keys
        .iter()
        .filter_map(|k| q.get(*k).filter(|v| !v.is_empty()).map(|v| (k.to_string(), v.clone())))
        .collect();
    let mut note = vec![];
    match (&f.opened_from, &f.opened_to) {
        (Some(a), Some(b)) => note.push(tr(u.lang, &format!("发起于 {a} 至 {b}"), &format!("opened {a} to {b}"))),
        (Some(a), None) => note.push(tr(u.lang, &format!("发起于 {a} 以后"), &format!("opened from {a}"))),
        (None, Some(b)) => note.push(tr(u.lang, &format!("发起于 {b} 以前"), &format!("opened until {b}"))),
        (None, None) => {}
    }
    if f.decisions.len() > 1 {
        let names: Vec<&str> = f
            .decisions
            .iter()
            .filter_map(|d| kean_core::lifecycle::Decision::parse(d))
            .map(|d| d.label(zh))
            .collect();
        note.push(format!(
            "{}{}",
            tr(u.lang, "结论：", "decision: "),
            names.join(if zh { "、" } else { ", " })
        ));
    }
    if f.mine {
        note.push(tr(u.lang, "我可决定的", "that I may decide"));
    }
    if f.due_before.is_some() {
        note.push(tr(u.lang, "已逾期", "overdue"));
    }
    if f.blocked {
        note.push(tr(u.lang, "存在阻断项", "with a blocking check"));
    }
    let c = Chrome::new(
        &u.access,
        &u.csrf,
        u.lang,
        &tr(u.lang, "安全审查", "Security reviews"),
        "/reviews",
    );
    Ok(render(
        &ReviewsPage {
            c,
            rows,
            gates,
            states,
            bureau,
            overdue,
            tabs,
            decisions,
            kept,
            filter_note: note.join(if zh { "；" } else { "; " }),
        },
        StatusCode::OK,
    ))
}

// ---------------------------------------------------------------- one review

pub struct ChecklistItem {
    pub id: String,
    pub text: String,
    /// `yes_no`, `score` or `text`.
    pub kind: String,
    pub weight: u32,
    pub value: String,
    /// The answer as people read it (是 / 否 / 不适用, a score, text).
    pub shown: String,
}

pub struct ChecklistSection {
    pub title: String,
    pub items: Vec<ChecklistItem>,
}

pub struct FindingRow {
    pub severity: String,
    pub severity_code: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    c: Chrome,
    id: i64,
    gate: String,
    record: String,
    href: String,
    state: String,
    open: bool,
    transfer: bool,
    licence_no: String,
    findings: Vec<FindingRow>,
    high_risk: bool,
    may_decide: bool,
    bureau: bool,
    first: Option<String>,
    decision: String,
    reasons: String,
    conditions: String,
    note: String,
    decided: String,
    decisions: Vec<Opt>,
    links: Vec<LinkRow>,
    errors: Vec<String>,
    checklist_title: String,
    checklist: Vec<ChecklistSection>,
    score: String,
    typed_reasons: String,
    typed_conditions: String,
    typed_note: String,
}

async fn review_page(
    u: &WebUser,
    id: i64,
    err: Option<(AppError, HashMap<String, String>)>,
    flash: Option<String>,
) -> PageResult {
    let v: ReviewView = u.access.review(id).await.or_page(u)?;
    let zh = u.lang.zh();
    let r = &v.review;
    let links = if v.bureau && r.kind != Kind::Transfer {
        u.access.links(r.kind, r.record_id).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let (errors, typed) = match &err {
        Some((e, t)) => (messages(e, zh), t.clone()),
        None => (Vec::new(), HashMap::new()),
    };
    let chosen = typed.get("decision").cloned().unwrap_or_default();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, r.gate.label(zh), "/reviews");
    c.flash = flash;
    let page = ReviewPage {
        c,
        id: r.id,
        gate: r.gate.label(zh).into(),
        record: format!("{} · {}", r.kind.label(zh), v.record_label),
        href: format!("/registry/{}/{}", r.kind.slug(), r.record_id),
        state: state_label(&r.state, u.lang),
        open: r.is_open(),
        transfer: r.gate == Gate::TransferAudit,
        licence_no: r.licence_no.clone().unwrap_or_default(),
        findings: v
            .findings
            .iter()
            .map(|f| FindingRow {
                severity: f.severity.label(zh).into(),
                severity_code: match f.severity {
                    Severity::Block => "block",
                    Severity::Flag => "flag",
                    Severity::Info => "info",
                }
                .into(),
                text: if zh { f.zh.clone() } else { f.en.clone() },
            })
            .collect(),
        high_risk: v.high_risk,
        may_decide: v.may_decide,
        bureau: v.bureau,
        first: r.first_decision.as_ref().map(|d| {
            format!(
                "{}：{}（{}）",
                r.first_reviewer.clone().unwrap_or_default(),
                decision_label(Some(d), zh),
                r.first_reasons.clone().unwrap_or_default()
            )
        }),
        decision: decision_label(r.decision.as_deref(), zh),
        reasons: r.reasons.clone().unwrap_or_default(),
        conditions: r.conditions.clone().unwrap_or_default(),
        note: r.note.clone().unwrap_or_default(),
        decided: r
            .decided_by
            .as_ref()
            .map(|b| format!("{b} {}", kean_core::display_time(r.decided_at.as_deref().unwrap_or(""))))
            .unwrap_or_default(),
        decisions: Decision::ALL
            .iter()
            .map(|d| Opt {
                value: d.code().into(),
                label: d.label(zh).into(),
                selected: chosen == d.code(),
            })
            .collect(),
        links: link_rows(&links, u.lang),
        checklist_title: v
            .checklist
            .as_ref()
            .map(|(_, f)| format!("{}（{}）", f.title, f.edition))
            .unwrap_or_default(),
        checklist: v
            .checklist
            .as_ref()
            .map(|(_, f)| {
                f.sections
                    .iter()
                    .map(|sec| ChecklistSection {
                        title: format!("{} {}", sec.id, sec.title),
                        items: sec
                            .items
                            .iter()
                            .map(|r| ChecklistItem {
                                id: r.id.clone(),
                                text: r.text.clone(),
                                kind: match r.answer {
                                    kean_core::checklist::AnswerType::YesNo => "yes_no",
                                    kean_core::checklist::AnswerType::Score => "score",
                                    kean_core::checklist::AnswerType::Text => "text",
                                }
                                .into(),
                                weight: r.weight,
                                value: typed
                                    .get(&format!("a.{}", r.id))
                                    .or_else(|| v.answers.get(&r.id))
                                    .cloned()
                                    .unwrap_or_default(),
                                shown: match v.answers.get(&r.id).map(String::as_str) {
                                    Some("yes") => tr(u.lang, "是", "Yes"),
                                    Some("no") => tr(u.lang, "否", "No"),
                                    Some("na") => tr(u.lang, "不适用", "N/A"),
                                    Some(x) => x.to_string(),
                                    None => String::new(),
                                },
                            })
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        score: v.score.map(|p| format!("{p:.1}")).unwrap_or_default(),
        typed_reasons: typed.get("reasons").cloned().unwrap_or_default(),
        typed_conditions: typed.get("conditions").cloned().unwrap_or_default(),
        typed_note: typed.get("note").cloned().unwrap_or_default(),
        errors,
    };
    let status = err
        .map(|(e, _)| StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    Ok(render(&page, status))
}

/// GET /reviews/{id}
pub async fn review(u: WebUser, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let id = id_of(&u, &id)?;
    let flash = [
        ("decided", "已作出审查决定", "The decision is recorded"),
        ("licence", "已登记出口许可证", "The export licence is recorded"),
        ("link_decided", "已更新技术关联", "The technology link is updated"),
    ]
    .iter()
    .find(|(k, _, _)| q.contains_key(*k))
    .map(|(_, z, e)| tr(u.lang, z, e));
    review_page(&u, id, None, flash).await
}

/// The checklist's answers of a form (fields `a.ID`), unanswered left out.
fn answers_of(form: &std::collections::BTreeMap<String, String>) -> kean_core::checklist::Answers {
    form.iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("a.")?.to_string(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// POST /reviews/{id}/decide (decision, reasons, conditions, note, a.ID …)
pub async fn decide(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id)?;
    let get = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    match u
        .access
        .decide_review(
            id,
            &get("decision"),
            &get("reasons"),
            &get("conditions"),
            &get("note"),
            &answers_of(&f.form),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/{id}?decided=1")).into_response()),
        Err(e) if e.code == ErrorCode::NotFound => Err(PageError::page(u, e)),
        Err(e) => {
            let typed = f.form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            review_page(u, id, Some((e, typed)), None).await
        }
    }
}

/// POST /reviews/{id}/licence (licence_no)
pub async fn licence(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id)?;
    let licence = f.form.get("licence_no").cloned().unwrap_or_default();
    match u.access.record_licence(id, &licence).await {
        Ok(_) => Ok(Redirect::to(&format!("/reviews/{id}?licence=1")).into_response()),
        Err(e) if e.code == ErrorCode::NotFound => Err(PageError::page(u, e)),
        Err(e) => {
            let typed = f.form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            review_page(u, id, Some((e, typed)), None).await
        }
    }
}

// ---------------------------------------------------------------- dictionaries

pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub group: String,
    pub description: String,
    pub terms: String,
    pub status: String,
    pub covered: bool,
    pub projects: Vec<(i64, String)>,
    pub dependents: Vec<(i64, String)>,
}

pub struct VersionRow {
    pub version: i64,
    pub label: String,
    pub items: i64,
    pub changes: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "dictionary.html")]
struct DictionaryPage {
    c: Chrome,
    code: String,
    title: String,
    chokepoint: bool,
    rows: Vec<ItemRow>,
    uncovered: usize,
    versions: Vec<VersionRow>,
    may_import: bool,
    errors: Vec<String>,
}

fn item_row(r: &CoverageRow, zh: bool) -> ItemRow {
    ItemRow {
        code: r.key.clone(),
        name: r.name.clone(),
        group: r.group.clone(),
        description: r.description.clone(),
        terms: r.terms.iter().skip(1).take(12).cloned().collect::<Vec<_>>().join("、"),
        status: r.status(zh).to_string(),
        covered: r.covered(),
        projects: r
            .projects
            .iter()
            .map(|(id, t, s)| (*id, format!("{t}（{}）", stage_label(s, zh))))
            .collect(),
        dependents: r.dependents.clone(),
    }
}

async fn dictionary_page(u: &WebUser, d: DictionaryKind, err: Option<AppError>, flash: Option<String>) -> PageResult {
    let zh = u.lang.zh();
    let rows: Vec<ItemRow> = u
        .access
        .coverage(d)
        .await
        .or_page(u)?
        .iter()
        .map(|r| item_row(r, zh))
        .collect();
    let versions = u
        .access
        .dictionary_versions(d)
        .await
        .or_page(u)?
        .into_iter()
        .map(|v| {
            let n = |t: &str| serde_json::from_str::<Vec<String>>(t).unwrap_or_default();
            let (a, c, r) = (n(&v.added), n(&v.changed), n(&v.removed));
            let changes = if v.version_no == 1 {
                tr(u.lang, "初始版本", "first version")
            } else if zh {
                format!(
                    "新增{}项 {}；修改{}项 {}；删除{}项 {}",
                    a.len(),
                    a.join("、"),
                    c.len(),
                    c.join("、"),
                    r.len(),
                    r.join("、")
                )
            } else {
                format!(
                    "added {} {}; changed {} {}; removed {} {}",
                    a.len(),
                    a.join(", "),
                    c.len(),
                    c.join(", "),
                    r.len(),
                    r.join(", ")
                )
            };
            VersionRow {
                version: v.version_no,
                label: v.label,
                items: v.items,
                changes,
                by: format!("{} {}", v.imported_by, kean_core::display_time(&v.imported_at)),
            }
        })
        .collect();
    let title = kean_app::dictionary_label(d, zh).to_string();
    let mut c = Chrome::new(
        &u.access,
        &u.csrf,
        u.lang,
        &title,
        &format!("/dictionaries/{}", d.as_str()),
    );
    c.flash = flash;
    let status = err
        .as_ref()
        .map(|e| StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    let uncovered = rows.iter().filter(|r| !r.covered).count();
    Ok(render(
        &DictionaryPage {
            c,
            code: d.as_str().into(),
            title,
            chokepoint: d == DictionaryKind::Chokepoint,
            uncovered,
            rows,
            versions,
            may_import: u.access.may(Action::ManageDictionaries, None),
            errors: err.map(|e| messages(&e, zh)).unwrap_or_default(),
        },
        status,
    ))
}

fn dictionary_of(u: &WebUser, text: &str) -> Result<DictionaryKind, PageError> {
    DictionaryKind::parse(text).ok_or_else(|| PageError::page(u, AppError::not_found()))
}

/// GET /dictionaries/{chokepoint|export_control}
pub async fn dictionary(u: WebUser, Path(d): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let d = dictionary_of(&u, &d)?;
    let flash = q
        .contains_key("imported")
        .then(|| tr(u.lang, "已导入新版本", "A new version is imported"))
        .or_else(|| {
            q.contains_key("unchanged").then(|| {
                tr(
                    u.lang,
                    "文件与当前版本相同，未新增版本",
                    "The file equals the current version; no version added",
                )
            })
        });
    dictionary_page(&u, d, None, flash).await
}

/// POST /dictionaries/{dictionary}/import (file, label)
pub async fn import_dictionary(Path(d): Path<String>, up: WebUpload) -> PageResult {
    let u = &up.user;
    let d = dictionary_of(u, &d)?;
    let label = up.text.get("label").cloned().unwrap_or_default();
    match u
        .access
        .import_dictionary(Some(d), &up.file_name, &up.bytes, &label)
        .await
    {
        Ok(Some(_)) => Ok(Redirect::to(&format!("/dictionaries/{}?imported=1", d.as_str())).into_response()),
        Ok(None) => Ok(Redirect::to(&format!("/dictionaries/{}?unchanged=1", d.as_str())).into_response()),
        Err(e) if e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
        Err(e) => dictionary_page(u, d, Some(e), None).await,
    }
}
