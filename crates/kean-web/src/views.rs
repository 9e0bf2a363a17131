//! View helpers shared by pages and exports: how values read, the choices
//! a select offers, the names of statistics buckets, and the page chrome
//! (menu, user, language).

use std::collections::HashMap;

use kean_app::{Access, AppError};
use kean_core::country::{COUNTRIES, country_name};
use kean_core::policy::Action;
use kean_core::schema::{Field, FieldType};
use kean_core::{Kind, Value};

use crate::i18n::Lang;

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An option of a select box.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A value as people read it: choice labels, reference names, grouped
/// amounts, country names.
pub fn display_value(f: &Field, v: &Value, labels: &HashMap<(Kind, i64), String>, lang: Lang) -> String {
    match (f.ty, v) {
        (_, Value::Null) => String::new(),
        (FieldType::Enum(_), Value::Text(code)) => f.choice_label(code, lang.zh()).unwrap_or(code).to_string(),
        (FieldType::Country, Value::Text(code)) => country_name(code, lang.zh()).unwrap_or(code).to_string(),
        (FieldType::Ref(k), Value::Ref(id)) => labels.get(&(k, *id)).cloned().unwrap_or_else(|| format!("#{id}")),
        (_, Value::Money(m)) => m.display_yuan(),
        (_, Value::Bool(b)) => lang.t(if *b { "form.yes" } else { "form.no" }).to_string(),
        (_, other) => other.to_input(),
    }
}

/// Choices offered for filtering or picking a value of `f`.
pub async fn options_for(access: &Access, f: &Field, current: &str, lang: Lang) -> Result<Vec<Opt>, AppError> {
    let opt = |value: String, label: String| Opt {
        selected: value == current,
        value,
        label,
    };
    Ok(match f.ty {
        FieldType::Enum(cs) => cs
            .iter()
            .map(|c| opt(c.code.into(), if lang.zh() { c.zh } else { c.en }.into()))
            .collect(),
        FieldType::Country => COUNTRIES
            .iter()
            .map(|(c, zh, en)| opt(c.to_string(), format!("{} {}", c, if lang.zh() { zh } else { en })))
            .collect(),
        FieldType::Bool => vec![
            opt("true".into(), lang.t("form.yes").into()),
            opt("false".into(), lang.t("form.no").into()),
        ],
        FieldType::Ref(k) => {
            let mut v: Vec<Opt> = access
                .options(k, 2000)
                .await?
                .into_iter()
                .map(|(id, l)| opt(id.to_string(), l))
                .collect();
            if !current.is_empty()
                && !v.iter().any(|o| o.selected)
                && let Ok(id) = current.parse::<i64>()
                && let Ok((r, _)) = access.get(k, id).await
            {
                v.insert(
                    0,
                    Opt {
                        value: current.into(),
                        label: r.fields.label(),
                        selected: true,
                    },
                );
            }
            v
        }
        _ => vec![],
    })
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A select filter above a list or the dashboard.
pub struct FilterView {
    pub name: &'static str,
    pub label: String,
    pub options: Vec<Opt>,
}

/// Names of the districts and industry chains the dashboard groups by.
pub(crate) struct BucketNames {
    pub districts: HashMap<i64, String>,
    pub chains: HashMap<i64, String>,
}

impl BucketNames {
    pub async fn load(access: &kean_app::Access) -> Result<BucketNames, AppError> {
        let map = |v: Vec<(i64, String)>| v.into_iter().collect::<HashMap<i64, String>>();
        Ok(BucketNames {
            districts: map(access.options(Kind::District, 500).await?),
            chains: map(access.options(Kind::IndustryChain, 500).await?),
        })
    }

    /// The name for a bucket key (an id as text); "none" for an empty key.
    pub fn name(&self, m: &HashMap<i64, String>, key: &str, lang: Lang) -> String {
        key.parse::<i64>()
            .ok()
            .and_then(|i| m.get(&i).cloned())
            .unwrap_or_else(|| {
                if key.is_empty() {
                    lang.t("stats.none").into()
                } else {
                    key.into()
                }
            })
    }
}

// ---------------- page chrome ----------------

pub struct MenuItem {
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub struct MenuGroup {
    pub title: String,
    pub items: Vec<MenuItem>,
}

/// What every page around its content shows.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user_name: String,
    pub role_label: String,
    pub csrf: String,
    pub menu: Vec<MenuGroup>,
    pub flash: Option<String>,
    /// 上次登录：the account's previous login, its address and the failed
    /// logins since (shown in the top bar).
    pub last_login: Option<String>,
    /// Whether the page draws charts (loads ECharts).
    pub charts: bool,
}

impl Chrome {
    pub fn new(access: &Access, csrf: &str, lang: Lang, title: &str, active: &str) -> Chrome {
        let item = |label: &str, href: String| MenuItem {
            active: href == active,
            label: label.to_string(),
            href,
        };
        let kind_item = |k: Kind| item(k.label(lang.zh()), format!("/registry/{}", k.slug()));
        let mut menu = vec![
            MenuGroup {
                title: String::new(),
                items: vec![item(lang.t("menu.home"), "/".into())],
            },
            MenuGroup {
                title: lang.t("menu.registry").into(),
                items: [
                    Kind::Organization,
                    Kind::Project,
                    Kind::Platform,
                    Kind::Person,
                    Kind::TechContract,
                    Kind::Achievement,
                    Kind::Transfer,
                    Kind::Dataset,
                    Kind::RevenueReport,
                ]
                .into_iter()
                .filter(|k| access.may(Action::Read, Some(*k)))
                .map(kind_item)
                .collect(),
            },
            MenuGroup {
                title: lang.t("menu.reference").into(),
                items: [Kind::District, Kind::IndustryChain]
                    .into_iter()
                    .map(kind_item)
                    .collect(),
            },
        ];
        if access.may(Action::Read, Some(Kind::Project)) {
            let mut items = vec![item(lang.t("menu.reviews"), "/reviews".into())];
            if access.may(Action::ReviewGates, None) {
                items.push(item(lang.t("menu.chokepoint"), "/dictionaries/chokepoint".into()));
                items.push(item(
                    lang.t("menu.export_control"),
                    "/dictionaries/export_control".into(),
                ));
            }
            menu.push(MenuGroup {
                title: lang.t("menu.gates").into(),
                items,
            });
        }
        if access.may(Action::ReviewSubmissions, None) {
            menu[1]
                .items
                .insert(0, item(lang.t("menu.review"), "/submissions".into()));
        } else if access.may(Action::ReadSubmissions, None) {
            menu[1]
                .items
                .insert(0, item(lang.t("menu.my_submissions"), "/submissions".into()));
        }
        if access.may(Action::ReadScreening, None) {
            menu.push(MenuGroup {
                title: lang.t("menu.screening").into(),
                items: vec![
                    item(lang.t("menu.results"), "/screening".into()),
                    item(lang.t("menu.lists"), "/screening/lists".into()),
                    item(lang.t("menu.list_search"), "/screening/search".into()),
                    item(lang.t("menu.vocabulary"), "/screening/vocabulary".into()),
                ],
            });
        }
        let mut system = vec![];
        if access.may(Action::ReadUsers, None) {
            system.push(item(lang.t("menu.users"), "/system/users".into()));
        }
        if access.may(Action::ManageConfidentiality, None) {
            system.push(item(lang.t("menu.confidentiality"), "/system/confidentiality".into()));
        }
        if access.may(Action::ReadAudit, None) {
            system.push(item(lang.t("menu.audit"), "/system/audit".into()));
        }
        if !system.is_empty() {
            menu.push(MenuGroup {
                title: lang.t("menu.system").into(),
                items: system,
            });
        }
        menu.push(MenuGroup {
            title: String::new(),
            items: vec![item(lang.t("menu.account"), "/account".into())],
        });
        let a = access.actor();
        let last_login = access.previous_login().map(|p| last_login_text(lang, p));
        Chrome {
            last_login,
            lang,
            title: title.to_string(),
            user_name: a.display_name().to_string(),
            role_label: a.role().label(lang.zh()).to_string(),
            csrf: csrf.to_string(),
            menu,
            flash: None,
            charts: false,
        }
    }
}

/// "上次登录：2026-12-07 21:05:20 来自 10.0.0.1（此后登录失败 2 次）".
pub fn last_login_text(lang: Lang, p: &kean_app::PreviousLogin) -> String {
    let at = kean_core::display_time(&p.at);
    let from = p.source.as_deref().unwrap_or("?");
    match (lang.zh(), p.failed_since) {
        (true, 0) => format!("上次登录：{at} 来自 {from}"),
        (true, n) => format!("上次登录：{at} 来自 {from}（此后登录失败 {n} 次）"),
        (false, 0) => format!("Last login: {at} from {from}"),
        (false, n) => format!("Last login: {at} from {from} ({n} failed attempts since)"),
    }
}

// ---------------- the pager ----------------

/// The pager under a table: 首页 / 上一页 / N / M / 下一页 / 尾页, 跳至 a page,
/// and the page size. `href(page, page_size)` makes a link keeping the
/// list's other parameters; `keep` are those parameters for the jump form.
pub struct Pager {
    pub total_text: String,
    pub page: u32,
    /// The number of pages ("12", or "50+" when the count was capped).
    pub pages: String,
    pub first_href: Option<String>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    /// None when the last page is unknown (a capped count) or is this one.
    pub last_href: Option<String>,
    pub sizes: Vec<Opt>,
    /// Where the jump form goes, and the parameters it keeps.
    pub action: String,
    pub keep: Vec<(String, String)>,
    pub page_size: u32,
    /// The highest page the jump form offers (the last known).
    pub max_page: u32,
}

/// The page sizes a list offers.
pub const PAGE_SIZES: [u32; 4] = [10, 20, 50, 100];

impl Pager {
    /// A pager for page `page` of `pages` (known exactly unless `more`:
    /// pages beyond were not counted and the list goes on while pages come
    /// back full). `href(page, size)` is a link to that page.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lang: Lang,
        total: i64,
        exact: bool,
        page: u32,
        pages: u32,
        more: bool,
        page_size: u32,
        action: &str,
        keep: Vec<(String, String)>,
        href: impl Fn(u32, u32) -> String,
    ) -> Pager {
        let pages = pages.max(1);
        let total_shown = if exact { total.to_string() } else { format!("{total}+") };
        Pager {
            total_text: lang.t("table.total").replace("{}", &total_shown),
            page,
            pages: if exact { pages.to_string() } else { format!("{pages}+") },
            first_href: (page > 1).then(|| href(1, page_size)),
            prev_href: (page > 1).then(|| href(page - 1, page_size)),
            next_href: (page < pages || more).then(|| href(page + 1, page_size)),
            last_href: (exact && page < pages).then(|| href(pages, page_size)),
            sizes: PAGE_SIZES
                .iter()
                .map(|s| Opt {
                    value: href(1, *s),
                    label: s.to_string(),
                    selected: *s == page_size,
                })
                .collect(),
            action: action.to_string(),
            keep: keep.into_iter().filter(|(k, v)| !v.is_empty() && k != "page").collect(),
            page_size,
            max_page: if exact { pages } else { pages.max(page + 1) },
        }
    }
}
