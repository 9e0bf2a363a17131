//! The bureau's own screening vocabulary (issue 13, item 1): the words the
//! engine translates Chinese names with, beyond the vocabulary kean ships —
//! held in the database as versioned data, changed from the web page or the
//! API by the bureau administrator, merged with kean's by the engine, and
//! followed by the screening of every party again (the outbox).

use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError};
use kean_store::{StoreError, VocabularyAction, VocabularyChange, VocabularyEntry, VocabularyVersion};

use crate::{Access, AppError, Result};

/// What the vocabulary page and API show: the version, the entries, the changes.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The current version (0: the bureau has added nothing yet).
    pub version: i64,
    pub entries: Vec<VocabularyEntry>,
    /// The latest changes, newest first.
    pub versions: Vec<VocabularyVersion>,
    /// How many entries kean itself ships (vocabulary and CC-CEDICT subset).
    pub builtin_entries: usize,
}

/// The longest Chinese word and English text an entry may have.
const MAX_WORD: usize = 20;
const MAX_ENGLISH: usize = 200;

fn bad(field: &str, zh: String, en: String) -> AppError {
    AppError::field(ErrorCode::ValidationFailed, FieldError::new(field, zh, en))
}

/// Checks one entry, naming what is wrong in both languages; the engine's
/// own check of its file format comes last (the same rules as a file given
/// to `kean screen --vocabulary`).
fn check_entry(word: &str, english: &str, note: &str) -> Result<()> {
    kean_core::record::check_text("note", note, 200, false)
        .map_err(|e| AppError::field(ErrorCode::ValidationFailed, e))?;
    if word.is_empty() {
        return Err(bad("word", "请填写中文词语".into(), "give the Chinese word".into()));
    }
    if word.chars().count() > MAX_WORD {
        return Err(bad(
            "word",
            format!("中文词语不超过 {MAX_WORD} 个字"),
            format!("the Chinese word has at most {MAX_WORD} characters"),
        ));
    }
    if let Some(c) = word.chars().find(|c| !kean_screen::zh::is_han(*c)) {
        return Err(bad(
            "word",
            format!("中文词语只能由汉字组成，“{c}”不是汉字"),
            format!("the Chinese word must be Han characters only; '{c}' is not one"),
        ));
    }
    if english.is_empty() {
        return Err(bad("english", "请填写英文译名".into(), "give the English".into()));
    }
    if english.chars().count() > MAX_ENGLISH {
        return Err(bad(
            "english",
            format!("英文译名不超过 {MAX_ENGLISH} 个字符"),
            format!("the English has at most {MAX_ENGLISH} characters"),
        ));
    }
    if english.contains('\t') || english.contains('\n') {
        return Err(bad(
            "english",
            "英文译名不能含制表符或换行".into(),
            "the English cannot hold a tab or a line break".into(),
        ));
    }
    if let Some(w) = english
        .trim_start_matches('^')
        .split(' ')
        .flat_map(|w| w.trim_start_matches('?').split('|'))
        .find(|w| !w.starts_with('@') && w.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(bad(
            "english",
            format!("英文译名请用小写字母：“{w}”应写作“{}”", w.to_ascii_lowercase()),
            format!(
                "write the English in lower case: '{w}' should be '{}'",
                w.to_ascii_lowercase()
            ),
        ));
    }
    if let Err(e) = kean_screen::zh::validate_vocabulary(&format!("{word}\t{english}\n")) {
        return Err(bad(
            "english",
            format!(
                "词表条目无效：{}（写法：英文单词用小写字母和数字，以空格分隔；a|b 为可替换的译法，?a 为可省略的词，^ 开头表示地名，@co/@ltd/@group 表示组织形式）",
                e.reason
            ),
            format!(
                "the entry is not valid: {} (notation: lower-case words separated by spaces; a|b alternatives, ?a optional, a leading ^ a place, @co/@ltd/@group a legal form)",
                e.reason
            ),
        ));
    }
    Ok(())
}

impl Access {
    /// The bureau's vocabulary (who may view the lists may view it).
    pub async fn vocabulary(&self) -> Result<Vocabulary> {
        self.gate(Action::ReadScreening, None)?;
        let store = self.app().store();
        let (version, entries) = store.vocabulary().await.map_err(AppError::from_store)?;
        let versions = store.vocabulary_versions(100).await.map_err(AppError::from_store)?;
        Ok(Vocabulary {
            version,
            entries,
            versions,
            builtin_entries: kean_screen::zh::dict().words.len(),
        })
    }

    /// Adds, edits or removes one entry of the bureau's vocabulary (the
    /// bureau administrator): a new version, audited; every process then
    /// rebuilds its indexes with it and every registered party is screened
    /// again — marked in the outbox in the same transaction, screened at once
    /// in the background, and by the follow-up worker should this process
    /// stop first. A bad entry is refused naming what is wrong.
    pub async fn change_vocabulary(
        &self,
        action: VocabularyAction,
        word: &str,
        english: &str,
        note: &str,
    ) -> Result<VocabularyVersion> {
        self.gate(Action::ManageVocabulary, None)?;
        let word = word.trim();
        let english = english.split_whitespace().collect::<Vec<_>>().join(" ");
        let note = note.trim();
        match action {
            VocabularyAction::Remove => {
                if word.is_empty() {
                    return Err(bad("word", "请填写中文词语".into(), "give the Chinese word".into()));
                }
                kean_core::record::check_text("note", note, 200, false)
                    .map_err(|e| AppError::field(ErrorCode::ValidationFailed, e))?;
            }
            _ => check_entry(word, &english, note)?,
        }
        let change = VocabularyChange {
            action,
            word: word.to_string(),
            english: if action == VocabularyAction::Remove {
                String::new()
            } else {
                english
            },
            note: note.to_string(),
        };
        let version = self
            .app()
            .store()
            .change_vocabulary(&change, &self.write_meta())
            .await
            .map_err(|e| match e {
                StoreError::Duplicate { .. } => AppError::field(
                    ErrorCode::Conflict,
                    FieldError::new(
                        "word",
                        format!("“{word}”已在本局词表中，请修改该条目"),
                        format!("'{word}' is already in the bureau's vocabulary; edit that entry"),
                    ),
                ),
                StoreError::NotFound => AppError::field(
                    ErrorCode::NotFound,
                    FieldError::new(
                        "word",
                        format!("本局词表中没有“{word}”"),
                        format!("'{word}' is not in the bureau's vocabulary"),
                    ),
                ),
                StoreError::NoChange => AppError::new(
                    ErrorCode::Conflict,
                    "译名和说明与当前版本相同，未产生新版本",
                    "the English and the note are as they are; no new version was made",
                ),
                other => AppError::from_store(other),
            })?;
        // Screen every party again now, in the background; what this process
        // does not finish, the follow-up worker of any process does.
        let app = self.app().clone();
        let before = kean_core::format_ts(app.now() + chrono::Duration::seconds(1));
        tokio::spawn(async move {
            if let Err(e) = app.run_pending_work(&before).await {
                eprintln!("kean: screening again after a vocabulary change failed: {e}");
            }
        });
        Ok(version)
    }
}
