//! `kean project …` and `kean review …`: the lifecycle and the three
//! security gates driven from the command line. Unlike the machine's own
//! commands (`import`, `backup` …, which open the database as kean itself),
//! these act as a person: they call a running server's JSON API with that
//! person's token, so the same permissions, separation of duties
//! (no reviewer of the applicant's organization, a second reviewer for
//! high-risk items) and audit apply as on the pages.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::fail;
use crate::lang::{t, zh};

/// Where the server is and who is calling.
#[derive(Args, Clone)]
pub(crate) struct Remote {
    /// The kean server (plain HTTP: run it on the server's machine, or
    /// through an SSH tunnel).
    #[arg(long, env = "KEAN_SERVER", default_value = "http://127.0.0.1:8080", global = true)]
    server: String,
    /// An API token (from `kean login`, or 我的账号 → API 令牌).
    #[arg(long, env = "KEAN_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the server's JSON answer instead of sentences.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
pub(crate) enum ProjectCommand {
    /// A project's stage, the transitions open to you, its history, parties and reviews.
    Show { id: i64 },
    /// Ask for a transition: submit | start | complete | suspend | resume | terminate
    /// (approve, return and reject are a review's decision).
    Move {
        id: i64,
        transition: String,
        /// Why (recorded with the event; required).
        #[arg(long)]
        reason: String,
    },
    /// Add a participant: a registered organization (--organization), a
    /// team member (--person), or a partner by name (--name, --country).
    AddParty {
        id: i64,
        /// lead | participant | foreign_partner | member
        #[arg(long)]
        role: String,
        #[arg(long, conflicts_with = "person")]
        organization: Option<i64>,
        #[arg(long)]
        person: Option<i64>,
        #[arg(long, default_value = "")]
        name: String,
        /// ISO 3166 code of a partner's country (DE, US …).
        #[arg(long, default_value = "")]
        country: String,
        /// A team member's duty in the project.
        #[arg(long, default_value = "")]
        duty: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum DisclosureCommand {
    /// A researcher's disclosures, oldest first.
    List { person: i64 },
    /// Record a researcher's yearly conflict-of-interest and
    /// foreign-affiliation disclosure (write 无 / none where there is none).
    Add {
        person: i64,
        /// YYYY-MM-DD, not after today.
        #[arg(long)]
        declared_on: String,
        #[arg(long)]
        conflicts: String,
        #[arg(long)]
        foreign_roles: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum ReviewCommand {
    /// The reviews you may see, newest first (default: open ones).
    List {
        /// approval_review | rnd_control | transfer_audit | platform_assessment
        #[arg(long)]
        gate: Option<String>,
        /// open | decided | all
        #[arg(long, default_value = "open")]
        state: String,
        /// pass | conditional | return | reject (several: comma-separated)
        #[arg(long)]
        decision: Option<String>,
        /// Only those you may decide now (my pending reviews).
        #[arg(long)]
        mine: bool,
        /// Only open ones past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only those with a blocking automatic check.
        #[arg(long)]
        blocked: bool,
    },
    /// One review with its automatic checks and checklist.
    Show { id: i64 },
    /// Decide a review.
    Decide {
        id: i64,
        /// pass (通过) | conditional (附条件通过) | return (退回修改) | reject (不予通过)
        #[arg(long)]
        decision: String,
        /// The reasons meant for the applicant (required).
        #[arg(long)]
        reasons: String,
        /// The conditions of a conditional pass.
        #[arg(long, default_value = "")]
        conditions: String,
        /// An internal note, not shown to the applicant.
        #[arg(long, default_value = "")]
        note: String,
        /// The checklist's answers: a JSON object of requirement id → answer.
        #[arg(long, conflicts_with = "all_met")]
        answers: Option<std::path::PathBuf>,
        /// Answer every checklist requirement as met (是 / the top score).
        #[arg(long)]
        all_met: bool,
    },
    /// Record the export licence number of a transfer audit.
    Licence { id: i64, licence_no: String },
    /// Open the transfer audit of a transfer or technology contract
    /// registered before the gate existed or loaded at the machine.
    OpenTransferAudit {
        /// transfers | tech-contracts
        kind: String,
        id: i64,
    },
    /// Open the security assessment of an innovation platform (at its
    /// recognition or annual evaluation).
    OpenAssessment { platform: i64 },
    /// Each gate's figures over the reviews opened in a period.
    Figures {
        /// YYYY-MM-DD (default: 1 January)
        #[arg(long)]
        from: Option<String>,
        /// YYYY-MM-DD (default: today)
        #[arg(long)]
        to: Option<String>,
    },
}

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    fn new(remote: &Remote) -> Result<Client, ExitCode> {
        let Some(token) = remote.token.clone().filter(|t| !t.trim().is_empty()) else {
            return Err(fail(t(
                "需要 API 令牌：先运行 export KEAN_TOKEN=$(kean login --username 用户名)，或使用 --token",
                "an API token is needed: export KEAN_TOKEN=$(kean login --username NAME) first, or pass --token",
            )));
        };
        Ok(Client {
            base: remote.server.trim_end_matches('/').to_string(),
            token: token.trim().to_string(),
            http: reqwest::Client::new(),
        })
    }

    /// Calls the API; a refusal becomes the server's message (in the
    /// locale's language) with the field at fault.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, ExitCode> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| {
            fail(format!(
                "{} {}: {e}",
                t("无法连接服务器", "cannot reach the server at"),
                self.base
            ))
        })?;
        let status = resp.status();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(value)
        } else {
            Err(fail(api_error(status.as_u16(), &value)))
        }
    }
}

/// The server's error as a sentence: its message and each field's.
fn api_error(status: u16, v: &Value) -> String {
    let e = &v["error"];
    let pick = |x: &Value| {
        let z = x["message_zh"].as_str();
        let en = x["message"].as_str();
        if zh() { z.or(en) } else { en.or(z) }.unwrap_or("").to_string()
    };
    let mut msg = pick(e);
    if msg.is_empty() {
        msg = format!("{} {status}", t("服务器答复", "the server answered"));
    }
    for f in e["fields"].as_array().into_iter().flatten() {
        msg.push_str(&format!("\n  {}: {}", f["field"].as_str().unwrap_or(""), pick(f)));
    }
    msg
}

fn show(json_out: bool, v: &Value, sentences: impl FnOnce(&Value)) -> ExitCode {
    if json_out {
        println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    } else {
        sentences(v);
    }
    ExitCode::SUCCESS
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn stage_label(code: &str) -> String {
    kean_core::lifecycle::Stage::parse(code).map_or(code.to_string(), |st| st.label(zh()).to_string())
}

fn gate_label(code: &str) -> String {
    kean_core::lifecycle::Gate::parse(code).map_or(code.to_string(), |g| g.label(zh()).to_string())
}

fn decision_label(code: &str) -> String {
    kean_core::lifecycle::Decision::parse(code).map_or(code.to_string(), |d| d.label(zh()).to_string())
}

fn review_line(r: &Value) -> String {
    let state = match s(&r["state"]) {
        "open" => t("待审查", "open").to_string(),
        "awaiting_second" => t("待复核", "awaiting a second reviewer").to_string(),
        "decided" => format!("{} {}", t("已决定：", "decided:"), decision_label(s(&r["decision"]))),
        other => other.to_string(),
    };
    let due = match r["due_on"].as_str() {
        Some(d) if !d.is_empty() => format!(" · {} {d}", t("到期", "due")),
        _ => String::new(),
    };
    format!(
        "#{} {} · {} #{} {} · {state}{due}",
        r["id"],
        gate_label(s(&r["gate"])),
        s(&r["kind"]),
        r["record_id"],
        s(&r["record_label"]),
    )
}

pub(crate) async fn project(command: ProjectCommand, remote: Remote) -> ExitCode {
    let c = match Client::new(&remote) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match command {
        ProjectCommand::Show { id } => c
            .call(
                reqwest::Method::GET,
                &format!("/registry/projects/{id}/lifecycle"),
                None,
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    println!("{} #{id}: {}", t("项目", "project"), stage_label(s(&v["stage"])));
                    let next: Vec<&str> = v["offered"].as_array().into_iter().flatten().map(s).collect();
                    if !next.is_empty() {
                        println!("{} {}", t("可申请的变更：", "you may ask for:"), next.join(", "));
                    }
                    for e in v["events"].as_array().into_iter().flatten() {
                        println!(
                            "  {} {} → {} · {} · {}",
                            kean_core::display_time(s(&e["at"])),
                            stage_label(s(&e["from_stage"])),
                            stage_label(s(&e["to_stage"])),
                            s(&e["actor"]),
                            s(&e["reason"])
                        );
                    }
                    for r in v["reviews"].as_array().into_iter().flatten() {
                        println!("  {}", review_line(r));
                    }
                })
            }),
        ProjectCommand::Move { id, transition, reason } => c
            .call(
                reqwest::Method::POST,
                &format!("/registry/projects/{id}/transitions"),
                Some(json!({ "transition": transition, "reason": reason })),
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    println!(
                        "{} #{id}: {} → {}",
                        t("项目", "project"),
                        stage_label(s(&v["from_stage"])),
                        stage_label(s(&v["to_stage"]))
                    );
                })
            }),
        ProjectCommand::AddParty {
            id,
            role,
            organization,
            person,
            name,
            country,
            duty,
        } => c
            .call(
                reqwest::Method::POST,
                &format!("/registry/projects/{id}/parties"),
                Some(json!({ "role": role, "org_id": organization, "person_id": person,
                             "name": name, "country": country, "duty": duty })),
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    println!(
                        "{} #{id}: {} #{} {} ({})",
                        t("项目已添加参与方", "project party added to"),
                        t("参与方", "party"),
                        v["id"],
                        s(&v["name"]),
                        s(&v["role"])
                    );
                })
            }),
    };
    result.unwrap_or_else(|code| code)
}

pub(crate) async fn review(command: ReviewCommand, remote: Remote) -> ExitCode {
    let c = match Client::new(&remote) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match command {
        ReviewCommand::List {
            gate,
            state,
            decision,
            mine,
            overdue,
            blocked,
        } => {
            let mut q = vec![format!("state={state}")];
            if let Some(g) = gate {
                q.push(format!("gate={g}"));
            }
            if let Some(d) = decision {
                q.push(format!("decision={d}"));
            }
            for (flag, name) in [(mine, "mine"), (overdue, "overdue"), (blocked, "blocked")] {
                if flag {
                    q.push(format!("{name}=1"));
                }
            }
            c.call(reqwest::Method::GET, &format!("/reviews?{}", q.join("&")), None)
                .await
                .map(|v| {
                    show(remote.json, &v, |v| {
                        let items = v["items"].as_array().cloned().unwrap_or_default();
                        if items.is_empty() {
                            println!("{}", t("没有符合条件的审查。", "No reviews match."));
                        }
                        for r in &items {
                            println!("{}", review_line(r));
                        }
                    })
                })
        }
        ReviewCommand::Show { id } => c
            .call(reqwest::Method::GET, &format!("/reviews/{id}"), None)
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    println!("{}", review_line(v));
                    for f in v["findings"].as_array().into_iter().flatten() {
                        let text = if zh() { s(&f["zh"]) } else { s(&f["en"]) };
                        let severity = match s(&f["severity"]) {
                            "block" => kean_core::lifecycle::Severity::Block.label(zh()),
                            "flag" => kean_core::lifecycle::Severity::Flag.label(zh()),
                            _ => kean_core::lifecycle::Severity::Info.label(zh()),
                        };
                        println!("  [{severity}] {text}");
                    }
                    if v["high_risk"] == true {
                        println!(
                            "{}",
                            t("高风险：须两名审查人员决定。", "High risk: two reviewers decide.")
                        );
                    }
                    if !s(&v["reasons"]).is_empty() {
                        println!("{} {}", t("理由：", "reasons:"), s(&v["reasons"]));
                    }
                })
            }),
        ReviewCommand::Decide {
            id,
            decision,
            reasons,
            conditions,
            note,
            answers,
            all_met,
        } => {
            let answers = match (answers, all_met) {
                (Some(path), _) => match std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
                {
                    Ok(v) if v.is_object() => v,
                    Ok(_) => {
                        return fail(format!(
                            "--answers {}: {}",
                            path.display(),
                            t(
                                "须为 JSON 对象（要求编号 → 答案）",
                                "must be a JSON object (requirement id → answer)"
                            )
                        ));
                    }
                    Err(e) => return fail(format!("--answers {}: {e}", path.display())),
                },
                (None, true) => match c.call(reqwest::Method::GET, &format!("/reviews/{id}"), None).await {
                    Ok(v) => all_met_answers(&v),
                    Err(code) => return code,
                },
                (None, false) => json!({}),
            };
            c.call(
                reqwest::Method::POST,
                &format!("/reviews/{id}/decision"),
                Some(
                    json!({ "decision": decision, "reasons": reasons, "conditions": conditions,
                             "note": note, "answers": answers }),
                ),
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    if s(&v["state"]) == "awaiting_second" {
                        println!(
                            "{} #{id}: {}",
                            t("审查", "review"),
                            t(
                                "初审意见已记录，待另一名审查人员复核。",
                                "first decision recorded; a second reviewer decides."
                            )
                        );
                    } else {
                        println!("{}", review_line(v));
                    }
                })
            })
        }
        ReviewCommand::Licence { id, licence_no } => c
            .call(
                reqwest::Method::POST,
                &format!("/reviews/{id}/licence"),
                Some(json!({ "licence_no": licence_no })),
            )
            .await
            .map(|v| {
                show(remote.json, &v, |_| {
                    println!(
                        "{} #{id}: {} {licence_no}",
                        t("审查", "review"),
                        t("已记录出口许可证号", "export licence recorded:")
                    );
                })
            }),
        ReviewCommand::OpenTransferAudit { kind, id } => c
            .call(
                reqwest::Method::POST,
                &format!("/registry/{kind}/{id}/transfer-audit"),
                Some(json!({})),
            )
            .await
            .map(|v| show(remote.json, &v, |v| println!("{}", review_line(v)))),
        ReviewCommand::OpenAssessment { platform } => c
            .call(
                reqwest::Method::POST,
                &format!("/registry/platforms/{platform}/assessment"),
                Some(json!({})),
            )
            .await
            .map(|v| show(remote.json, &v, |v| println!("{}", review_line(v)))),
        ReviewCommand::Figures { from, to } => {
            let mut q = vec![];
            if let Some(f) = from {
                q.push(format!("from={f}"));
            }
            if let Some(x) = to {
                q.push(format!("to={x}"));
            }
            c.call(reqwest::Method::GET, &format!("/reviews/figures?{}", q.join("&")), None)
                .await
                .map(|v| {
                    show(remote.json, &v, |v| {
                        println!("{} — {}", s(&v["from"]), s(&v["to"]));
                        println!(
                            "{}",
                            t(
                                "环节\t发起\t待审\t逾期\t通过\t退回\t不予通过\t阻断\t平均天数",
                                "gate\topened\topen\toverdue\tpassed\treturned\trejected\tblocked\tmean days"
                            )
                        );
                        for g in v["gates"].as_array().into_iter().flatten() {
                            let name = match g["gate"].as_str() {
                                Some(code) => gate_label(code),
                                None => t("合计", "all").to_string(),
                            };
                            let days = g["mean_days_to_decision"]
                                .as_f64()
                                .map_or("—".to_string(), |d| format!("{d:.1}"));
                            println!(
                                "{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{days}",
                                g["opened"],
                                g["open"],
                                g["overdue"],
                                g["passed"],
                                g["returned"],
                                g["rejected"],
                                g["blocked"]
                            );
                        }
                    })
                })
        }
    };
    result.unwrap_or_else(|code| code)
}

/// Every checklist requirement of a review answered as met: 是 for a
/// yes/no, the top score for a score; text requirements left unanswered.
fn all_met_answers(review: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for section in review["checklist"]["sections"].as_array().into_iter().flatten() {
        for item in section["items"].as_array().into_iter().flatten() {
            let answer = match s(&item["answer"]) {
                "yes_no" => "yes",
                "score" => "5",
                _ => continue,
            };
            out.insert(s(&item["id"]).to_string(), json!(answer));
        }
    }
    Value::Object(out)
}

/// `kean login`: a token for the account, the password read from standard
/// input (one line), printed alone so that a shell can keep it.
pub(crate) async fn login(username: &str, totp: Option<&str>, remote: &Remote) -> ExitCode {
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() || password.trim().is_empty() {
        return fail(t(
            "请在标准输入中提供密码（一行）",
            "give the password on standard input (one line)",
        ));
    }
    let base = remote.server.trim_end_matches('/');
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "username": username, "password": password.trim_end_matches(['\r', '\n']), "totp": totp }))
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            return fail(format!(
                "{} {base}: {e}",
                t("无法连接服务器", "cannot reach the server at")
            ));
        }
    };
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return fail(api_error(status.as_u16(), &v));
    }
    println!("{}", s(&v["token"]));
    eprintln!(
        "{} {}",
        t("令牌有效期至", "the token is valid until"),
        kean_core::display_time(s(&v["expires_at"]))
    );
    ExitCode::SUCCESS
}

pub(crate) async fn disclosure(command: DisclosureCommand, remote: Remote) -> ExitCode {
    let c = match Client::new(&remote) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let line = |d: &Value| {
        format!(
            "#{} {} · {} {} · {} {}",
            d["id"],
            s(&d["declared_on"]),
            t("利益冲突：", "conflicts:"),
            s(&d["conflicts"]),
            t("境外任职：", "foreign roles:"),
            s(&d["foreign_roles"])
        )
    };
    let result = match command {
        DisclosureCommand::List { person } => c
            .call(
                reqwest::Method::GET,
                &format!("/registry/persons/{person}/disclosures"),
                None,
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    let items = v["items"].as_array().cloned().unwrap_or_default();
                    if items.is_empty() {
                        println!("{}", t("尚无申报。", "No disclosures yet."));
                    }
                    for d in &items {
                        println!("{}", line(d));
                    }
                })
            }),
        DisclosureCommand::Add {
            person,
            declared_on,
            conflicts,
            foreign_roles,
        } => c
            .call(
                reqwest::Method::POST,
                &format!("/registry/persons/{person}/disclosures"),
                Some(json!({ "declared_on": declared_on, "conflicts": conflicts, "foreign_roles": foreign_roles })),
            )
            .await
            .map(|v| {
                show(remote.json, &v, |v| {
                    println!("{} {}", t("申报已登记：", "disclosure recorded:"), line(v))
                })
            }),
    };
    result.unwrap_or_else(|code| code)
}
