//! Interface text in Chinese (default) and English.

/// What [`Lang::t`] answers for a key it does not know.
pub const MISSING: &str = "(missing text)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn from_cookie(v: Option<&str>) -> Lang {
        match v {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    pub fn zh(self) -> bool {
        self == Lang::Zh
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    /// Looks up interface text; an unknown key shows itself, so a missing
    /// translation is visible rather than blank.
    pub fn t(self, key: &str) -> &'static str {
        let (zh, en) = match key {
            "app.name" => ("科技安全风险防控平台", "S&T Security Risk Platform"),
            "app.short" => ("科安", "kean"),
            "app.bureau" => ("晋中市科学技术局", "Jinzhong Science & Technology Bureau"),
            "menu.home" => ("首页", "Home"),
            "menu.registry" => ("登记管理", "Registry"),
            "menu.reference" => ("基础数据", "Reference data"),
            "menu.system" => ("系统管理", "System"),
            "menu.users" => ("用户管理", "Users"),
            "menu.audit" => ("审计日志", "Audit log"),
            "login.title" => ("用户登录", "Sign in"),
            "login.username" => ("用户名", "Username"),
            "login.password" => ("密码", "Password"),
            "login.submit" => ("登 录", "Sign in"),
            "logout" => ("退出登录", "Sign out"),
            "lang.switch" => ("English", "中文"),
            "search.keyword" => ("关键字", "Keyword"),
            "search.keyword_hint" => ("名称、编号等", "name, number …"),
            "search.submit" => ("搜索", "Search"),
            "search.reset" => ("重置", "Reset"),
            "search.from" => ("（起）", " from"),
            "search.to" => ("（止）", " to"),
            "list.filtered" => ("筛选条件：", "Filtered by: "),
            "list.owner_prefix" => ("所属单位的", "owner's "),
            "search.all" => ("全部", "All"),
            "search.status" => ("状态", "Status"),
            "status.active" => ("正常", "Active"),
            "status.archived" => ("已归档", "Archived"),
            "tool.new" => ("新增", "New"),
            "tool.edit" => ("修改", "Edit"),
            "tool.archive" => ("归档", "Archive"),
            "tool.restore" => ("恢复", "Restore"),
            "tool.export" => ("导出", "Export"),
            "tool.view" => ("详情", "View"),
            "tool.back" => ("返回", "Back"),
            "tool.save" => ("保 存", "Save"),
            "tool.cancel" => ("取 消", "Cancel"),
            "tool.select_one" => ("请先勾选一条记录", "Select one record first"),
            "table.actions" => ("操作", "Actions"),
            "table.empty" => ("暂无数据", "No records"),
            "table.total" => ("共 {} 条", "{} records"),
            "table.page_size" => ("每页", "Per page"),
            "table.prev" => ("上一页", "Previous"),
            "table.next" => ("下一页", "Next"),
            "form.required" => ("必填", "required"),
            "form.errors" => ("提交的内容有误，请按提示修改：", "Please correct the following:"),
            "form.new_title" => ("新增", "New"),
            "form.edit_title" => ("修改", "Edit"),
            "form.choose" => ("请选择", "Choose…"),
            "form.search_ref" => ("输入名称或编码搜索…", "type a name or code to search…"),
            "form.yes" => ("是", "Yes"),
            "form.no" => ("否", "No"),
            "detail.meta" => ("记录信息", "Record"),
            "detail.version" => ("版本", "Version"),
            "detail.created" => ("创建时间", "Created"),
            "detail.updated" => ("更新时间", "Updated"),
            "detail.archived_note" => (
                "该记录已归档，仅供查阅。",
                "This record is archived and kept for reference.",
            ),
            "detail.valid_until" => ("高企证书有效期至", "High-tech certificate valid until"),
            "detail.valid" => ("有效", "valid"),
            "detail.expired" => ("已过期", "expired"),
            "confirm.archive" => (
                "确认归档该记录？归档后不再出现在列表中，可随时恢复。",
                "Archive this record? It leaves the list and can be restored at any time.",
            ),
            "home.welcome" => ("欢迎使用", "Welcome to"),
            "home.registry" => ("登记概况", "Registry at a glance"),
            "home.role" => ("当前角色", "Role"),
            "home.scope_org" => ("数据范围：本单位", "Data scope: your organization"),
            "home.scope_all" => ("数据范围：全市", "Data scope: whole city"),
            "users.title" => ("用户管理", "Users"),
            "users.new" => ("新增用户", "New user"),
            "users.username" => ("用户名", "Username"),
            "users.display_name" => ("姓名", "Name"),
            "users.role" => ("角色", "Role"),
            "users.org" => ("所属单位", "Organization"),
            "users.status" => ("状态", "Status"),
            "users.locked" => ("已锁定", "Locked"),
            "users.disabled" => ("已停用", "Disabled"),
            "users.created" => ("创建时间", "Created"),
            "users.password" => ("初始密码", "Initial password"),
            "users.created_ok" => ("用户已创建", "User created"),
            "users.unlock" => ("解锁", "Unlock"),
            "users.enable" => ("启用", "Enable"),
            "users.disable" => ("停用", "Disable"),
            "users.confirm_disable" => (
                "确认停用该账号？其登录会话将立即失效。",
                "Disable this account? Its sessions end at once.",
            ),
            "users.new_password" => ("新密码", "new password"),
            "users.reset_password" => ("重置密码", "Reset password"),
            "users.changed_ok" => ("账号已更新", "Account updated"),
            "act.unlock" => ("解锁", "unlock"),
            "act.disable" => ("停用", "disable"),
            "act.enable" => ("启用", "enable"),
            "act.password_reset" => ("重置密码", "password reset"),
            "act.import" => ("导入", "import"),
            "act.import_done" => ("导入完成", "import finished"),
            "audit.title" => ("审计日志", "Audit log"),
            "audit.seq" => ("序号", "Seq"),
            "audit.at" => ("时间（北京时间）", "Time (UTC+8)"),
            "audit.actor" => ("操作人", "Actor"),
            "audit.action" => ("操作", "Action"),
            "audit.target" => ("对象", "Target"),
            "audit.record" => ("记录号", "Record"),
            "audit.hash" => ("链哈希（SM3）", "Chain hash (SM3)"),
            "audit.changes" => ("变更内容", "Changes"),
            "error.title" => ("出错了", "Something went wrong"),
            "error.home" => ("返回首页", "Back to home"),
            "saved" => ("已保存", "Saved"),
            "tool.import" => ("导入", "Import"),
            "tool.export_xlsx" => ("导出Excel", "Export Excel"),
            "tool.export_csv" => ("导出CSV", "Export CSV"),
            "import.title" => ("批量导入", "Import"),
            "import.intro" => (
                "支持 Excel（.xlsx）和 CSV（UTF-8 或 GBK）文件。上传后先逐行校验：任何一行有误都不会导入，并列出每个问题；全部通过后确认导入，所有行在一个事务中写入。",
                "Excel (.xlsx) and CSV (UTF-8 or GBK) files. Every row is checked first: if any row is wrong nothing is imported and each problem is listed; when all rows pass, confirm to write them all in one transaction.",
            ),
            "import.templates" => ("导入模板", "Templates"),
            "import.template_xlsx" => ("Excel模板", "Excel template"),
            "import.template_csv" => ("CSV模板", "CSV template"),
            "import.file" => ("选择文件", "File"),
            "import.force" => (
                "同一文件已导入过时仍然导入",
                "import even if this file was imported before",
            ),
            "import.upload" => ("上传并校验", "Upload and check"),
            "import.download_report" => (
                "下载错误报告（Excel，问题单元格已标红）",
                "Download the error report (Excel, bad cells in red)",
            ),
            "import.line" => ("行号", "Line"),
            "import.column" => ("列", "Column"),
            "import.value" => ("值", "Value"),
            "import.problem" => ("问题", "Problem"),
            "import.confirm" => ("确认导入", "Confirm import"),
            "import.rejected" => (
                "{} 行中有 {} 行存在问题，未导入任何数据",
                "of {} rows, {} have problems; nothing was imported",
            ),
            "import.ready" => (
                "共 {} 行数据全部校验通过（以下为前20行预览）",
                "All {} rows are valid (first 20 shown)",
            ),
            "import.done" => ("已导入 {} 条记录", "{} records imported"),
            "stats.title" => ("统计分析", "Statistics"),
            "stats.from" => ("开始日期", "From"),
            "stats.to" => ("截止日期", "To"),
            "stats.apply" => ("统计", "Apply"),
            "stats.bad_date" => ("不是有效日期，已使用默认值", "is not a date; the default is used"),
            "stats.bad_range" => (
                "开始日期晚于截止日期，已对调",
                "the start was after the end; they were swapped",
            ),
            "stats.platforms" => ("市级以上创新平台", "Innovation platforms (city level and above)"),
            "stats.high_tech" => ("有效高新技术企业", "High-tech enterprises (valid certificate)"),
            "stats.valid_on" => ("证书有效截至", "valid on"),
            "stats.contracts" => ("登记技术合同", "Registered technology contracts"),
            "stats.contract_value" => ("合同成交额", "Contract value"),
            "stats.tech_value" => ("技术交易额", "technology value"),
            "stats.tech_service" => ("科技服务业营收", "Technology-service revenue"),
            "stats.reporting" => ("家入统企业", "reporting enterprises"),
            "stats.transfers" => ("科技成果转化", "Achievements transferred"),
            "stats.amount" => ("金额", "amount"),
            "stats.yoy" => ("同比 ", "YoY "),
            "stats.none" => ("（未填写）", "(none)"),
            "unit.platform" => ("家", ""),
            "unit.enterprise" => ("家", ""),
            "unit.contract" => ("份", ""),
            "unit.item" => ("项", ""),
            "chart.contracts_month" => ("技术合同（按月）", "Technology contracts by month"),
            "chart.contracts_district" => ("合同成交额（按卖方所在区县）", "Contract value by seller's district"),
            "chart.contracts_chain" => ("合同成交额（按产业链）", "Contract value by industry chain"),
            "chart.platforms" => ("创新平台（按类型）", "Innovation platforms by type"),
            "chart.transfers_month" => ("成果转化金额（按月）", "Transfer amounts by month"),
            "chart.count" => ("数量", "count"),
            "act.create" => ("新增", "create"),
            "act.update" => ("修改", "update"),
            "act.archive" => ("归档", "archive"),
            "act.restore" => ("恢复", "restore"),
            "act.login" => ("登录", "login"),
            "act.logout" => ("退出", "logout"),
            "act.login_failed" => ("登录失败", "login failed"),
            "act.lock" => ("账号锁定", "account locked"),
            "target.users" => ("用户", "users"),
            "target.sessions" => ("会话", "sessions"),
            _ => return MISSING,
        };
        if self == Lang::Zh { zh } else { en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_is_translated() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert_ne!(Lang::Zh.t(key), MISSING, "untranslated key {key}");
            }
        }
    }
}
