//! Issue 11: kean probed as an attacker and as a failing machine would —
//! compressed uploads that unpack to hundreds of megabytes, staged uploads
//! filling the disk, login floods, inputs that once made a 500, a truncated
//! audit log, and the smaller findings (caching, one-sided ranges, dropped
//! connections).

use crate::common::{Server, Web, basics, csrf_of, user};
use kean_core::Role;

#[path = "../../../kean-exchange/tests/common/bomb.rs"]
mod bomb;

/// Uploads a file on a registry's import page, as the browser's form does.
async fn upload(web: &Web, slug: &str, bytes: Vec<u8>, name: &'static str) -> (u16, String) {
    let (_, page) = web.get(&format!("/registry/{slug}/import")).await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf_of(&page))
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
    let r = web
        .http
        .post(format!("{}/registry/{slug}/import", web.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// A liaison may import; a workbook of a few hundred kilobytes that unpacks
/// to 200 MB (one giant cell) or more (rows) is refused with a message
/// naming the limit, and nothing is imported.
async fn compressed_uploads_are_bounded_as_they_unpack(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "liaison", &pw).await;
    let cell = bomb::xlsx_bomb(bomb::Shape::GiantCell, 200 << 20, None);
    assert!(cell.len() < 1 << 20);
    let (status, html) = upload(&web, "platforms", cell, "bomb.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("超过 1 MB"), "{html}");
    let rows = bomb::xlsx_bomb(bomb::Shape::ManyRows, 300 << 20, None);
    let (status, html) = upload(&web, "platforms", rows, "rows.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("解压后超过 256 MB"), "{html}");
    let declared = bomb::xlsx_declaring_shared_strings(1 << 40);
    let (status, html) = upload(&web, "platforms", declared, "sst.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("不同的文字超过 2000000 个"), "{html}");
    assert_eq!(
        s.app.system_access("t").count(kean_core::Kind::Platform).await.unwrap(),
        0
    );
}
on_both!(compressed_uploads_are_bounded_as_they_unpack);

/// A CSV cell longer than Excel allows (32,767 characters) once made the
/// error report fail with a 500; it is refused naming its line and column.
async fn an_overlong_csv_cell_is_refused_naming_it(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let web = Web::login(&s.base, "officer", &pw).await;
    let _ = b;
    let csv = format!(
        "平台名称,平台类型,级别,依托单位\n{},企业技术中心,市级,晋中甲科技有限公司\n",
        "长".repeat(32_768)
    );
    let (status, html) = upload(&web, "platforms", csv.into_bytes(), "long.csv").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("第 2 行 A 列的单元格超过 32767 个字符"), "{html}");
}
on_both!(an_overlong_csv_cell_is_refused_naming_it);

/// The staged uploads in the database: how many, and their bytes.
async fn staged(s: &Server) -> (i64, i64) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.url).await.expect("connect");
    let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(content)), 0) AS bytes FROM pending_uploads")
        .fetch_one(&pool)
        .await
        .expect("count uploads");
    (row.get::<i64, _>("n"), row.get::<i64, _>("bytes"))
}

/// Five 45 MB uploads once added 226 MB to the database. A new upload for
/// a registry replaces the user's earlier one for it (its check cannot be
/// confirmed any more), and a user's staged uploads may hold 100 MB: the
/// next one is refused with 413 `quota_exceeded`, nothing of it kept.
async fn staged_uploads_have_a_quota(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "liaison", &pw).await;
    // Not a spreadsheet: refused on the check, but staged all the same.
    let junk = |n: u8| {
        let mut v = vec![0u8; 45 << 20];
        v[0] = n;
        v
    };
    for i in 0..3 {
        let (status, html) = upload(&web, "platforms", junk(i), "junk.bin").await;
        assert_eq!(status, 422, "{html}");
    }
    assert_eq!(
        staged(&s).await,
        (1, 45 << 20),
        "one staged upload per registry and user"
    );
    let (status, html) = upload(&web, "achievements", junk(9), "junk.bin").await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(staged(&s).await, (2, 90 << 20));
    let (status, html) = upload(&web, "contracts", junk(10), "junk.bin").await;
    assert_eq!(status, 413, "{html}");
    assert!(html.contains("100 MB"), "{html}");
    assert_eq!(staged(&s).await, (2, 90 << 20), "the refused upload is not kept");
    // Another user has a quota of their own.
    let pw2 = user(&s.app, "officer", Role::Reviewer, None).await;
    let officer = Web::login(&s.base, "officer", &pw2).await;
    let (status, html) = upload(&officer, "contracts", junk(11), "junk.bin").await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(staged(&s).await, (3, 135 << 20));
}
on_both!(staged_uploads_have_a_quota);
