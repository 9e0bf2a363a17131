//! Importing many records: all or nothing, every problem named by line and
//! field, references written as people write them, re-imports detected.

use std::collections::BTreeMap;

use crate::common::{Server, access_as, basics, user, valid_code};
use kean_app::{ImportOutcome, ImportRow, ImportSource};
use kean_core::{Kind, Role};

fn row(line: usize, pairs: &[(&str, &str)]) -> ImportRow {
    ImportRow {
        line,
        values: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn source(hash: &str) -> ImportSource {
    ImportSource {
        file_name: "单位.xlsx".into(),
        content_hash: hash.into(),
        force: false,
        dry_run: false,
        progress: None,
    }
}

async fn import_is_all_or_nothing(s: Server) {
    let b = basics(&s.app).await;
    let admin = s.app.system_access("test");
    let before = admin.count(Kind::Organization).await.unwrap();
    let (c1, c2, c3) = (
        valid_code("91140702MA0K10001"),
        valid_code("91140702MA0K10002"),
        valid_code("91140702MA0K10003"),
    );
    let wrong = format!("{}{}", &c2[..17], if c2.ends_with('0') { '1' } else { '0' });
    let taken = admin
        .get(Kind::Organization, b.org_a)
        .await
        .unwrap()
        .0
        .fields
        .get("credit_code")
        .to_input();
    let bad_rows = vec![
        row(
            2,
            &[
                ("name", "晋中一号科技有限公司"),
                ("credit_code", &c1),
                ("org_type", "企业"),
                ("district_id", "榆次区"),
            ],
        ),
        row(
            3,
            &[
                ("name", "晋中二号科技有限公司"),
                ("credit_code", &wrong),
                ("org_type", "企业"),
                ("district_id", "140702"),
            ],
        ),
        row(
            4,
            &[
                ("name", "晋中三号科技有限公司"),
                ("credit_code", &c1),
                ("org_type", "企业"),
                ("district_id", "榆次区"),
            ],
        ),
        row(
            5,
            &[
                ("name", "晋中四号科技有限公司"),
                ("credit_code", &taken),
                ("org_type", "enterprise"),
                ("district_id", "不存在县"),
            ],
        ),
        row(
            6,
            &[
                ("name", "晋中五号科技有限公司"),
                ("credit_code", &c3),
                ("org_type", "银行"),
                ("district_id", "榆次区"),
                ("established_on", "2099-01-01"),
            ],
        ),
    ];
    let out = admin
        .import(Kind::Organization, &bad_rows, &source("h1"))
        .await
        .unwrap();
    let ImportOutcome::Rejected { errors } = out else {
        panic!("a file with bad rows must be rejected")
    };
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    for want in [
        (3, "credit_code"),
        (4, "credit_code"),
        (5, "district_id"),
        (6, "org_type"),
        (6, "established_on"),
    ] {
        assert!(found.contains(&want), "{want:?} missing from {found:?}");
    }
    let dup = errors.iter().find(|e| e.line == 4).unwrap();
    assert!(dup.message_zh.contains("第2行"), "{}", dup.message_zh);
    assert!(!found.iter().any(|(l, _)| *l == 2), "line 2 is fine: {found:?}");
    assert_eq!(
        admin.count(Kind::Organization).await.unwrap(),
        before,
        "nothing written"
    );

    let good = vec![
        row(
            2,
            &[
                ("name", "晋中一号科技有限公司"),
                ("credit_code", &c1),
                ("org_type", "企业"),
                ("district_id", "榆次区"),
            ],
        ),
        row(
            3,
            &[
                ("name", "晋中二号科技有限公司"),
                ("credit_code", &c2),
                ("org_type", "企业"),
                ("district_id", "140702"),
                ("tech_sme", "是"),
            ],
        ),
    ];
    let out = admin.import(Kind::Organization, &good, &source("h2")).await.unwrap();
    let ImportOutcome::Imported { ids, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(ids.len(), 2);
    assert_eq!(admin.count(Kind::Organization).await.unwrap(), before + 2);
    assert!(ids[0] < ids[1]);
    let (r, labels) = admin.get(Kind::Organization, ids[1]).await.unwrap();
    assert_eq!(
        labels.get(&(Kind::District, b.district)).map(String::as_str),
        Some("榆次区")
    );
    assert_eq!(r.owner_org_id, Some(ids[1]), "an imported organization owns itself");
    // Ids reserved by the import do not collide with the next single insert.
    let next = admin
        .create(
            Kind::Organization,
            &crate::common::raw(&[
                ("name", "晋中六号科技有限公司"),
                ("credit_code", &valid_code("91140702MA0K10006")),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap();
    assert!(next.id > ids[1]);
    // Re-importing the same file is refused unless forced.
    let e = admin
        .import(Kind::Organization, &good, &source("h2"))
        .await
        .unwrap_err();
    assert_eq!(e.code, kean_core::ErrorCode::Conflict);
    assert!(e.message_zh.contains("已于"), "{}", e.message_zh);
    let forced = ImportSource {
        force: true,
        ..source("h2")
    };
    assert!(matches!(
        admin.import(Kind::Organization, &good, &forced).await.unwrap(),
        ImportOutcome::Rejected { .. }
    ));
    // Every imported record is audited and the chain holds.
    assert!(admin.verify_audit().await.unwrap().is_ok());
    let log = admin.audit_page(1, 10).await.unwrap();
    assert!(log.items.iter().any(|e| e.draft.action == "import_done"));
    assert_eq!(log.items.iter().filter(|e| e.draft.action == "import").count(), 2);
}
on_both!(import_is_all_or_nothing);

async fn liaison_imports_only_its_own(s: Server) {
    let b = basics(&s.app).await;
    // Direct writes: the scope and the gate's refusals, not the review.
    crate::common::without_review(&s.app).await;
    let liaison = access_as(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let rows = vec![
        row(
            2,
            &[
                ("name", "甲公司中试基地"),
                ("platform_type", "中试基地"),
                ("level", "市级"),
                ("host_org_id", "晋中甲科技有限公司"),
            ],
        ),
        row(
            3,
            &[
                ("name", "乙公司实验室"),
                ("platform_type", "重点实验室"),
                ("level", "市级"),
                ("host_org_id", "晋中乙材料有限公司"),
            ],
        ),
    ];
    let ImportOutcome::Rejected { errors } = liaison.import(Kind::Platform, &rows, &source("p1")).await.unwrap() else {
        panic!("another organization's record must be refused")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "host_org_id"));
    let ImportOutcome::Imported { ids, .. } = liaison.import(Kind::Platform, &rows[..1], &source("p2")).await.unwrap()
    else {
        panic!("own records import")
    };
    assert_eq!(
        liaison.get(Kind::Platform, ids[0]).await.unwrap().0.owner_org_id,
        Some(b.org_a)
    );
    // Organizations cannot be imported by a liaison at all.
    let e = liaison
        .import(Kind::Organization, &rows[..1], &source("p3"))
        .await
        .unwrap_err();
    assert_eq!(e.code, kean_core::ErrorCode::Forbidden);
}
on_both!(liaison_imports_only_its_own);

/// An importer learns nothing of records or imports it may not read: a file
/// the bureau imported does not tell a liaison who imported it, when or as
/// what, and a unique value held by another organization's record is
/// reported as taken, naming no record (issue 10: no unscoped store read
/// of owned data; issue 11: existence oracles).
async fn an_import_tells_nothing_outside_the_importers_scope(s: Server) {
    let b = basics(&s.app).await;
    let officer = access_as(&s.app, "officer", Role::Reviewer, None).await;
    let liaison = access_as(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let person = |line: usize, name: &str, id: &str, org: &str| {
        row(
            line,
            &[
                ("name", name),
                ("id_type", "passport"),
                ("id_number", id),
                ("nationality", "CN"),
                ("org_id", org),
            ],
        )
    };
    let secret_file = ImportSource {
        file_name: "乙公司人员名单.xlsx".into(),
        ..source("same-bytes")
    };
    let ImportOutcome::Imported { .. } = officer
        .import(
            Kind::Person,
            &[
                person(2, "赵乙", "E1000001", "晋中乙材料有限公司"),
                person(3, "钱甲", "E1000002", "晋中甲科技有限公司"),
            ],
            &secret_file,
        )
        .await
        .unwrap()
    else {
        panic!("the officer's import")
    };
    // The same file again: the officer is told of the earlier import.
    let e = officer
        .import(
            Kind::Person,
            &[person(2, "孙", "E1000009", "晋中乙材料有限公司")],
            &secret_file,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, kean_core::ErrorCode::Conflict);
    assert!(e.message_en.contains("乙公司人员名单.xlsx"), "{}", e.message_en);

    // The liaison uploads a file with the same bytes: nothing of the
    // officer's import, only its own rows judged.
    let rows = [
        person(2, "周甲", "E1000001", "晋中甲科技有限公司"),
        person(3, "吴甲", "E1000002", "晋中甲科技有限公司"),
        person(4, "郑甲", "E1000003", "晋中甲科技有限公司"),
    ];
    let ImportOutcome::Rejected { errors } = liaison.import(Kind::Person, &rows, &secret_file).await.unwrap() else {
        panic!("numbers already registered must be refused")
    };
    let text = format!("{errors:?}");
    for hidden in ["officer", "乙公司人员名单", "赵乙", "晋中乙材料"] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    assert_eq!(errors.len(), 2, "{text}");
    // Held by the other organization's person: taken, and nothing more.
    assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "id_number"));
    assert!(
        errors[0].message_en.contains("registered elsewhere"),
        "{}",
        errors[0].message_en
    );
    // Held by a person of the liaison's own organization: said plainly.
    assert_eq!((errors[1].line, errors[1].field.as_str()), (3, "id_number"));
    assert!(
        errors[1].message_en.contains("already used by a stored record"),
        "{}",
        errors[1].message_en
    );
}
on_both!(an_import_tells_nothing_outside_the_importers_scope);

async fn web_upload_check_confirm_and_spreadsheets(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let web = crate::common::Web::login(&s.base, "officer", &pw).await;
    let (_, page) = web.get("/registry/platforms/import").await;
    let csrf = crate::common::csrf_of(&page);
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        web.http
            .post(format!("{}/registry/platforms/import", s.base))
            .multipart(form)
            .send()
    };
    let _ = b;
    // GBK CSV, Chinese headers, references by name; line 3 is wrong twice.
    let bad = "平台名称,平台类型,级别,依托单位\n甲公司技术中心,企业技术中心,市级,晋中甲科技有限公司\n乙平台,火箭发射场,市级,不存在的公司\n";
    let gbk: Vec<u8> = encode_gbk(bad);
    let r = upload(gbk, "平台.csv").await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("import-issues") && html.contains("火箭发射场") && html.contains("不存在的公司"),
        "{html}"
    );
    assert_eq!(
        s.app.system_access("t").count(Kind::Platform).await.unwrap(),
        0,
        "nothing imported"
    );
    let token = html
        .split("/import/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let report = web
        .http
        .get(format!("{}/registry/platforms/import/{token}/report.xlsx", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    assert!(report.bytes().await.unwrap().starts_with(b"PK"), "an XLSX error report");

    // A good file: preview, then confirm.
    let good = "平台名称,平台类型,级别,依托单位\n甲公司技术中心,企业技术中心,市级,晋中甲科技有限公司\n乙公司重点实验室,重点实验室,省级,晋中乙材料有限公司\n";
    let r = upload(good.as_bytes().to_vec(), "平台.csv").await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("import-preview") && html.contains("乙公司重点实验室"));
    assert_eq!(
        s.app.system_access("t").count(Kind::Platform).await.unwrap(),
        0,
        "a preview writes nothing"
    );
    let token = html
        .split("/import/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (st, _, loc) = web
        .post(
            &format!("/registry/platforms/import/{token}/confirm"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(st, 303);
    assert!(loc.unwrap().contains("imported=2"));
    assert_eq!(s.app.system_access("t").count(Kind::Platform).await.unwrap(), 2);
    // The same file again is refused unless forced.
    let r = upload(good.as_bytes().to_vec(), "平台.csv").await.unwrap();
    assert_eq!(r.status(), 409);
    // Templates and the Excel export.
    for path in [
        "/registry/platforms/template.xlsx",
        "/registry/platforms/export.xlsx?q=%E7%94%B2",
    ] {
        let r = web.http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.bytes().await.unwrap().starts_with(b"PK"), "{path}");
    }
    let (st, csv) = web.get("/registry/platforms/template.csv").await;
    assert_eq!(st, 200);
    assert!(csv.contains("平台名称"));
    // A forged upload (wrong CSRF token) is refused.
    let form = reqwest::multipart::Form::new().text("_csrf", "forged").part(
        "file",
        reqwest::multipart::Part::bytes(good.as_bytes().to_vec()).file_name("x.csv"),
    );
    let r = web
        .http
        .post(format!("{}/registry/platforms/import", s.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
on_both!(web_upload_check_confirm_and_spreadsheets);

/// GBK bytes for the few Chinese characters used here, produced the way a
/// Chinese office's spreadsheet program saves "CSV".
fn encode_gbk(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}
