//! The dictionaries' data model: items of the chokepoint list and of the
//! export-control catalogue, with the terms by which texts describe them.

use serde::{Deserialize, Serialize};

/// Which dictionary an item belongs to (`chokepoint`, `export_control`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DictionaryKind {
    /// 卡脖子技术清单, the chokepoint technology list.
    Chokepoint,
    /// 禁止出口限制出口技术目录, the export-controlled technology catalogue.
    ExportControl,
}

impl DictionaryKind {
    /// The name used in files and in the CLI's output.
    pub fn as_str(self) -> &'static str {
        match self {
            DictionaryKind::Chokepoint => "chokepoint",
            DictionaryKind::ExportControl => "export_control",
        }
    }

    /// Parses `chokepoint` / `export_control`.
    pub fn parse(s: &str) -> Option<DictionaryKind> {
        match s.trim() {
            "chokepoint" => Some(DictionaryKind::Chokepoint),
            "export_control" => Some(DictionaryKind::ExportControl),
            _ => None,
        }
    }
}

/// How strongly a term points at its item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// The item's name, or a synonym or narrower name of it (光刻机, 曝光机, EUV).
    Core,
    /// A word that describes the item's field but also others (物镜, 晶圆).
    Related,
}

/// A term of an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    pub text: String,
    pub kind: TermKind,
}

/// Whether a catalogue item is prohibited (J) or restricted (X) for export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportControl {
    Prohibited,
    Restricted,
}

/// One item of a dictionary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub dictionary: DictionaryKind,
    /// Chokepoint: `CP01` … `CP35` (the seed's ordinal); catalogue: `203912X`,
    /// or empty for an item whose code the seed does not give.
    pub code: String,
    /// The name as in its dictionary (技术名称 / 目录名称).
    pub name: String,
    /// Chokepoint: the industry chain; catalogue: 禁止出口 / 限制出口.
    pub group: String,
    /// Chokepoint: the list's edition (科技日报2018); catalogue: 2023, 2025 …
    pub edition: String,
    /// What the item is (chokepoint) or its control points (catalogue).
    pub description: String,
    /// The terms that point at the item; always holds the name itself.
    pub terms: Vec<Term>,
    /// Catalogue only.
    pub control: Option<ExportControl>,
    /// Where the description and terms come from.
    pub source: String,
}

impl Item {
    /// The key by which items of the same dictionary are the same item: the
    /// code when there is one, else the name.
    pub fn key(&self) -> String {
        if self.code.is_empty() {
            self.name.clone()
        } else {
            self.code.clone()
        }
    }
}

/// The format a dictionary file was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DictionaryFormat {
    /// `chokepoint_35_kjrb2018.csv`: seq,technology,kjrb_article_title,…
    ChokepointSeed,
    /// `export_tech_catalog_partial.csv`: edition,part,seq,code,name,…
    CatalogueSeed,
    /// kean's own file: dictionary,code,name,group,edition,description,terms,related_terms,source
    Kean,
}

/// A parsed dictionary file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dictionary {
    pub format: DictionaryFormat,
    pub items: Vec<Item>,
    /// Items the file lists as deleted (a later edition's 删除); kept for the
    /// record, never suggested.
    pub deleted: Vec<Item>,
}
