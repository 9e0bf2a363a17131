//! Chinese-language tables written for kean: Traditional → Simplified characters common in
//! organization and person names, a bilingual dictionary of the generic words of organization
//! names (plus provinces, major cities, countries and a few well-known brand names), legal forms,
//! common surnames with their romanisations, and Chinese numerals.
//!
//! English values use a tiny notation: words separated by spaces become separate tokens; a word
//! starting with `?` is optional (it counts only if the other name has it); `a|b` lists
//! alternatives for one token. Legal forms are given as `@co` (company family) or `@group`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Pairs of (Traditional, Simplified) characters, two strings of equal char length.
const T2S_TRAD: &str = "華為術業電腦訊與產機構學國際傳達導體積東廣開發間關門問們長張陳劉趙孫吳鄭馮蔣韓楊黃許鄧蕭葉羅譚盧錢龍萬鐘鍾顧賈蘇陸湯閻歐陽軍車輪軟輸轉農鋼鐵銀錫鋁銅礦針鏈錄鎮陣險隊隨雲靈頻顯類風飛館馬駐驗髮魯鳥鳳鴻麗齊齒億價優倫偉傑備兒內兩凱創劃動勞勢區協單衛廠縣參叢員啟圖團圓園場報壓壽夢獎實寧審寫將對屬嶺島幣師帶應強歸彈徑從復徵憶戰撥擁據擴擊數斷於時晉暉書會條來極標樂樓樹檢權氣漢測濟濤灣災烏無熱燈營爾牽獨環現瑪畫畢盡監盤碼確禮種稱穩競筆節範築簡糧係紀約紅紡細組結絡給統絲經綜綠維網線緣編縮總績織繼續義習聯聲職聽肅興舉艦萊藝藥蘭處號蟲補製複規視親觀計訂記設診話詢試該誠認語說調論諾證識譜護讀變讓豐貝財貨質貿資賽贊趕軌載輔輕輝辦這連進遊運過遠適選遼還郵鄉醫釋釣鈦鉅銷鋒錦鍵鎖鏡閃閩閣陝陰雙雜離難靜頂項順預領頭題額顏願飯養駕騰驅鬥魚鮮鹽麥黨點龜儀廈貴滬淵瀋漁濱嶽臺橫衝鐳鎢鍛鑄務殲層屆歲歷曆灑準幾鬆麵後裡並佈傢僅剛勁匯嚴壇夠奮寶專尋峽巖幫庫廳彙徹懷戶揚換撐擔擬攝敵暢曉棧榮槍樣橋檔櫃歡殺氫決沖況沒渦溫滅滿漲潔潤澤濕濾爐狀獲獻瓊療盜眾矽碩磚礎禦稅穀窮籌簽紐純紙級納紹終絕綱緊緒練緯縱繩纜罰聖聞脈膠臉臨艙莊蓋薦薩藍蘋蘆虛蝦衆裝襲覺覽訓託訪詳誌課誼諮謀謝謹譯豬貞負貢販責貸費賀賓賣賴購贏跡蹤躍軸較輛轄辭邁邊酈釀鈞鈺鉛鉑銘鋰鋅錠錯鍍鎂閉闊隱雞霧韻響頁頌頓頒頸顆颱飄餘駛騎鬱鯨鳴鵬鶴黃齡衛鐵鋼嶼灘壩礦鑒譽揮擇擬錶鐘晶瑩縣鄰貫輯";
const T2S_SIMP: &str = "华为术业电脑讯与产机构学国际传达导体积东广开发间关门问们长张陈刘赵孙吴郑冯蒋韩杨黄许邓萧叶罗谭卢钱龙万钟钟顾贾苏陆汤阎欧阳军车轮软输转农钢铁银锡铝铜矿针链录镇阵险队随云灵频显类风飞馆马驻验发鲁鸟凤鸿丽齐齿亿价优伦伟杰备儿内两凯创划动劳势区协单卫厂县参丛员启图团圆园场报压寿梦奖实宁审写将对属岭岛币师带应强归弹径从复征忆战拨拥据扩击数断于时晋晖书会条来极标乐楼树检权气汉测济涛湾灾乌无热灯营尔牵独环现玛画毕尽监盘码确礼种称稳竞笔节范筑简粮系纪约红纺细组结络给统丝经综绿维网线缘编缩总绩织继续义习联声职听肃兴举舰莱艺药兰处号虫补制复规视亲观计订记设诊话询试该诚认语说调论诺证识谱护读变让丰贝财货质贸资赛赞赶轨载辅轻辉办这连进游运过远适选辽还邮乡医释钓钛钜销锋锦键锁镜闪闽阁陕阴双杂离难静顶项顺预领头题额颜愿饭养驾腾驱斗鱼鲜盐麦党点龟仪厦贵沪渊沈渔滨岳台横冲镭钨锻铸务歼层届岁历历洒准几松面后里并布家仅刚劲汇严坛够奋宝专寻峡岩帮库厅汇彻怀户扬换撑担拟摄敌畅晓栈荣枪样桥档柜欢杀氢决冲况没涡温灭满涨洁润泽湿滤炉状获献琼疗盗众硅硕砖础御税谷穷筹签纽纯纸级纳绍终绝纲紧绪练纬纵绳缆罚圣闻脉胶脸临舱庄盖荐萨蓝苹芦虚虾众装袭觉览训托访详志课谊咨谋谢谨译猪贞负贡贩责贷费贺宾卖赖购赢迹踪跃轴较辆辖辞迈边郦酿钧钰铅铂铭锂锌锭错镀镁闭阔隐鸡雾韵响页颂顿颁颈颗台飘余驶骑郁鲸鸣鹏鹤黄龄卫铁钢屿滩坝矿鉴誉挥择拟表钟晶莹县邻贯辑";

/// OpenCC's Traditional → Simplified character table (Apache-2.0; `data/opencc_ts_characters.txt`).
const OPENCC_TS: &str = include_str!("../data/opencc_ts_characters.txt");

fn t2s_map() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::with_capacity(4200);
        for line in OPENCC_TS.lines().filter(|l| !l.starts_with('#')) {
            let Some((t, cands)) = line.split_once('\t') else {
                continue;
            };
            let mut tc = t.chars();
            let (Some(t), None) = (tc.next(), tc.next()) else {
                continue;
            };
            let mut cands = cands.split(' ').filter_map(|c| c.chars().next());
            // a character that is its own candidate (乾 → 干 乾) depends on the word: left as is
            if cands.clone().any(|c| c == t) {
                continue;
            }
            if let Some(s) = cands.next() {
                map.insert(t, s);
            }
        }
        // kean's own table of characters common in names wins (鉅 → 钜, 矽 → 硅)
        map.extend(T2S_TRAD.chars().zip(T2S_SIMP.chars()).filter(|(t, s)| t != s));
        map
    })
}

/// Traditional → Simplified for one character (identity when not in the table).
pub fn t2s(c: char) -> char {
    t2s_map().get(&c).copied().unwrap_or(c)
}

/// Is `c` a Han (CJK unified ideograph) character?
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// kean's curated vocabulary (`data/vocabulary.tsv`): Chinese word → English tokens (notation
/// in the module docs and the file's header). Versioned data, validated on load.
const VOCABULARY: &str = include_str!("../data/vocabulary.tsv");

/// kean's compact subset of CC-CEDICT (`data/cedict_subset.tsv`, CC BY-SA 4.0, extracted by
/// `tools/lexicon/cedict_subset.py`): whole institution names and one-word glosses.
const LEXICON: &str = include_str!("../data/cedict_subset.tsv");

/// Where a dictionary word comes from (shown in explanations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordSource {
    /// kean's curated vocabulary (or the bureau's extension of it).
    Vocabulary,
    /// The CC-CEDICT lexicon subset.
    Lexicon,
}

/// A vocabulary file refused: the line (1-based) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for VocabularyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for VocabularyError {}

/// Parse one entry's English notation into a [`DictWord`].
fn parse_english(en: &str, source: WordSource) -> DictWord {
    let (en, place) = match en.strip_prefix('^') {
        Some(rest) => (rest, true),
        None => (en, false),
    };
    let legal = en.strip_prefix('@').map(|l| match l {
        "ltd" => "ltd",
        "group" => "group",
        _ => "co",
    });
    let tokens = if legal.is_some() {
        Vec::new()
    } else {
        en.split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let (w, opt) = match w.strip_prefix('?') {
                    Some(rest) => (rest, true),
                    None => (w, false),
                };
                (w.split('|').map(String::from).collect(), opt)
            })
            .collect()
    };
    DictWord {
        tokens,
        place,
        legal,
        source,
    }
}

const LEGAL_KEYS: &[&str] = &["co", "ltd", "group"];

/// Check one line of a vocabulary file; `Ok(None)` for comments and blank lines.
fn check_line(line: &str) -> Result<Option<(&str, &str)>, String> {
    let line = line.trim_end_matches('\r');
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut cols = line.split('\t');
    let zh = cols.next().unwrap_or_default().trim();
    let Some(en) = cols.next().map(str::trim) else {
        return Err("expected CHINESE<TAB>ENGLISH".into());
    };
    if zh.is_empty() || !zh.chars().all(is_han) {
        return Err(format!("'{zh}': the Chinese side must be Han characters only"));
    }
    if en.is_empty() {
        return Err(format!("'{zh}': the English side is empty"));
    }
    let body = en.strip_prefix('^').unwrap_or(en);
    if body.trim().is_empty() {
        return Err(format!("'{zh}': the English side has no word"));
    }
    if let Some(legal) = body.strip_prefix('@') {
        if !LEGAL_KEYS.contains(&legal) {
            return Err(format!(
                "'{zh}': unknown legal form '@{legal}' (one of @co, @ltd, @group)"
            ));
        }
        return Ok(Some((zh, en)));
    }
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        let word = word.strip_prefix('?').unwrap_or(word);
        for alt in word.split('|') {
            if alt.is_empty() || !alt.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                return Err(format!(
                    "'{zh}': English word '{alt}' must be lower-case ASCII letters or digits (alternatives a|b, optional ?a)"
                ));
            }
        }
    }
    Ok(Some((zh, en)))
}

/// Validate a vocabulary file (the format of `data/vocabulary.tsv`): every line an entry, a
/// comment or blank; a word given twice is refused. Returns the number of entries.
pub fn validate_vocabulary(text: &str) -> Result<usize, VocabularyError> {
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        match check_line(line) {
            Ok(None) => {}
            Ok(Some((zh, _))) => {
                if !seen.insert(zh) {
                    return Err(VocabularyError {
                        line: i + 1,
                        reason: format!("'{zh}' is given twice"),
                    });
                }
                n += 1;
            }
            Err(reason) => return Err(VocabularyError { line: i + 1, reason }),
        }
    }
    Ok(n)
}

fn load(text: &str, source: WordSource, into: &mut HashMap<String, DictWord>) {
    for line in text.lines() {
        if let Ok(Some((zh, en))) = check_line(line) {
            // names are looked up in Simplified characters (Traditional is converted first)
            into.insert(zh.chars().map(t2s).collect(), parse_english(en, source));
        }
    }
}

static EXTENSION: OnceLock<String> = OnceLock::new();

/// Extend the vocabulary with the bureau's own file (same format as `data/vocabulary.tsv`; its
/// entries override the built-in ones) for every index built with the default dictionary
/// ([`dict`]). Call once, before the first name is tokenized (the CLI does it at start); the
/// text is validated first and refused with its line number. Returns the number of entries.
/// A server whose vocabulary changes while it runs builds a dictionary of its own instead
/// ([`Dict::extended`]) and gives it to its indexes.
pub fn extend_vocabulary(text: &str) -> Result<usize, VocabularyError> {
    let n = validate_vocabulary(text)?;
    if DICT.get().is_some() {
        return Err(VocabularyError {
            line: 0,
            reason: "the vocabulary is already in use: extend it before the first screening".into(),
        });
    }
    EXTENSION.set(text.to_string()).map_err(|_| VocabularyError {
        line: 0,
        reason: "the vocabulary was already extended".into(),
    })?;
    Ok(n)
}

/// The metadata lines (`#! key=value …`) of the built-in vocabulary and lexicon, for reports.
pub fn data_versions() -> Vec<&'static str> {
    VOCABULARY
        .lines()
        .chain(LEXICON.lines())
        .filter_map(|l| l.strip_prefix("#!"))
        .map(str::trim)
        .collect()
}

/// Latin keys of place names (the English side of the default dictionary's places).
pub fn place_keys() -> &'static std::collections::HashSet<String> {
    &dict().places
}

/// Pinyin syllables of the Chinese numerals (used after `di` in pinyin-spelled ordinals).
pub fn pinyin_digit(s: &str) -> Option<char> {
    Some(match s {
        "ling" => '零',
        "yi" => '一',
        "er" => '二',
        "liang" => '两',
        "san" => '三',
        "si" => '四',
        "wu" => '五',
        "liu" => '六',
        "qi" => '七',
        "ba" => '八',
        "jiu" => '九',
        "shi" => '十',
        "bai" => '百',
        "qian" => '千',
        _ => return None,
    })
}

/// Entry of the dictionary after parsing the notation.
#[derive(Debug, Clone)]
pub struct DictWord {
    /// English tokens: (alternatives, optional).
    pub tokens: Vec<(Vec<String>, bool)>,
    /// The word is a place name (province, city, country).
    pub place: bool,
    /// Legal form family if this word is a legal form.
    pub legal: Option<&'static str>,
    /// Curated vocabulary or lexicon.
    pub source: WordSource,
}

/// The bilingual dictionary names are tokenized with: words, and what is derived from them.
/// [`dict`] is the default (the lexicon, kean's vocabulary and a file given at start);
/// [`Dict::extended`] adds a bureau's own entries, for the indexes built with it
/// (`Index::from_lists_with`).
#[derive(Debug)]
pub struct Dict {
    pub words: HashMap<String, DictWord>,
    pub max_len: usize,
    /// Latin keys of place names (the English side of the places).
    pub places: std::collections::HashSet<String>,
    /// Words of two or more characters keyed by their toneless pinyin written together
    /// (`jishu` → 技术, `youxiangongsi` → 有限公司): lets a pinyin-spelled name ("Huawei Jishu
    /// Youxian Gongsi") meet the English entry. Words whose English already is their pinyin
    /// (places, brands) are left out.
    pub pinyin: HashMap<String, DictWord>,
    /// The English words of the dictionary's words that are not places (coverage).
    pub english: std::collections::HashSet<String>,
    /// How many entries an extension added.
    pub extension_entries: usize,
}

impl Dict {
    fn build(words: HashMap<String, DictWord>, extension_entries: usize) -> Dict {
        let max_len = words.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        let places = words
            .values()
            .filter(|w| w.place)
            .flat_map(|w| {
                w.tokens
                    .iter()
                    .filter(|(_, opt)| !opt)
                    .flat_map(|(alts, _)| alts.iter().cloned())
            })
            .collect();
        let mut pinyin = HashMap::new();
        for (zh, w) in &words {
            if zh.chars().count() < 2 || w.source == WordSource::Lexicon {
                continue;
            }
            let py: Option<String> = zh.chars().map(pinyin_of).collect();
            let Some(py) = py else { continue };
            if w.tokens.iter().any(|(alts, _)| alts.contains(&py)) {
                continue;
            }
            pinyin.insert(py, w.clone());
        }
        let english = words
            .values()
            .filter(|w| !w.place)
            .flat_map(|w| {
                w.tokens
                    .iter()
                    .flat_map(|(alts, _)| alts.iter().map(|a| crate::text::canon_word(a)))
            })
            .collect();
        Dict {
            words,
            max_len,
            places,
            pinyin,
            english,
            extension_entries,
        }
    }

    /// This dictionary with a bureau's own entries (the format of `data/vocabulary.tsv`),
    /// which override its words; the text is validated first and refused with its line.
    pub fn extended(&self, text: &str) -> Result<Dict, VocabularyError> {
        let n = validate_vocabulary(text)?;
        let mut words = self.words.clone();
        load(text, WordSource::Vocabulary, &mut words);
        Ok(Dict::build(words, self.extension_entries + n))
    }
}

static DICT: OnceLock<std::sync::Arc<Dict>> = OnceLock::new();

fn shared_dict_ref() -> &'static std::sync::Arc<Dict> {
    DICT.get_or_init(|| {
        let mut words = HashMap::with_capacity(8192);
        load(LEXICON, WordSource::Lexicon, &mut words);
        load(VOCABULARY, WordSource::Vocabulary, &mut words);
        let mut n = 0;
        if let Some(ext) = EXTENSION.get() {
            load(ext, WordSource::Vocabulary, &mut words);
            n = validate_vocabulary(ext).unwrap_or(0);
        }
        std::sync::Arc::new(Dict::build(words, n))
    })
}

/// The default dictionary: the lexicon, overridden by kean's vocabulary, overridden by the
/// file given to [`extend_vocabulary`].
pub fn dict() -> &'static Dict {
    shared_dict_ref()
}

/// The default dictionary, shared (what `Index::from_lists` uses).
pub fn shared_dict() -> std::sync::Arc<Dict> {
    shared_dict_ref().clone()
}

/// Common single-character surnames. Two-character (compound) surnames are in `COMPOUND`.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝朴习";
const COMPOUND: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯", "长孙", "宇文",
    "端木", "南宫", "独孤",
];

/// Surname readings that differ from the character's default reading, and common non-pinyin
/// romanisations (Cantonese, Wade–Giles, Korean) used as alternatives.
const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("曾", "zeng|tsang"),
    ("解", "xie"),
    ("仇", "qiu"),
    ("查", "zha"),
    ("朴", "piao|park|pak"),
    ("覃", "qin"),
    ("缪", "miao"),
    ("陈", "chen|chan"),
    ("黄", "huang|wong"),
    ("王", "wang|wong"),
    ("张", "zhang|cheung|chang"),
    ("李", "li|lee|ri|yi"),
    ("刘", "liu|lau"),
    ("吴", "wu|ng"),
    ("郑", "zheng|cheng|jong|chong"),
    ("林", "lin|lam"),
    ("何", "he|ho"),
    ("梁", "liang|leung"),
    ("周", "zhou|chow|chau"),
    ("徐", "xu|hsu|tsui"),
    ("蔡", "cai|tsai|choi"),
    ("许", "xu|hui|hsu"),
    ("郭", "guo|kwok|kuo"),
    ("邓", "deng|tang"),
    ("谢", "xie|tse|hsieh"),
    ("杨", "yang|yeung"),
    ("赵", "zhao|chiu|chao"),
    ("金", "jin|kim"),
    ("崔", "cui|choi|choe"),
    ("姜", "jiang|kang"),
    ("蒋", "jiang|chiang"),
    ("孙", "sun|suen"),
    ("胡", "hu|wu"),
    ("高", "gao|ko|kao"),
    ("余", "yu"),
];

pub fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

pub fn compound_surname(s: &str) -> bool {
    COMPOUND.contains(&s)
}

pub fn surname_reading(s: &str) -> Option<&'static str> {
    SURNAME_READINGS.iter().find(|(k, _)| *k == s).map(|(_, v)| *v)
}

/// Value of a Chinese numeral string (零一二…九十百千 and 两), up to 9999.
pub fn chinese_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let digit = |c: char| -> Option<u32> {
        Some(match c {
            '零' | '〇' => 0,
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut total = 0u32;
    let mut cur: Option<u32> = None;
    for c in s.chars() {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => {
                cur = Some(cur.unwrap_or(0) * 10 + digit(c)?);
                if cur.unwrap_or(0) > 9999 {
                    return None;
                }
                continue;
            }
        };
        total += cur.take().unwrap_or(1) * unit;
    }
    Some(total + cur.unwrap_or(0))
}

pub fn is_numeral_char(c: char) -> bool {
    "零〇一二两三四五六七八九十百千".contains(c)
}

/// Is `w` (lower-case ASCII) a sequence of pinyin syllables (`chengxin`, `huawei`, `zhongguo`)?
/// Such a Latin word is a romanized Chinese name: compared with pinyin strictly, not by the
/// loose transliteration skeleton.
pub fn is_pinyin_word(w: &str) -> bool {
    static SYL: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let syl = SYL.get_or_init(|| {
        (0x4E00u32..=0x9FFF)
            .filter_map(char::from_u32)
            .filter_map(pinyin_of)
            .filter(|p| p.is_ascii())
            .collect()
    });
    let b = w.as_bytes();
    if b.is_empty() || b.len() > 40 || !w.bytes().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    // ok[i]: prefix of length i splits into syllables
    let mut ok = [false; 41];
    ok[0] = true;
    for i in 1..=b.len() {
        for l in 1..=6.min(i) {
            if ok[i - l] && syl.contains(&w[i - l..i]) {
                ok[i] = true;
                break;
            }
        }
    }
    ok[b.len()]
}

fn pinyin_syllables() -> &'static std::collections::HashSet<&'static str> {
    static SYL: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SYL.get_or_init(|| {
        (0x4E00u32..=0x9FFF)
            .filter_map(char::from_u32)
            .filter_map(pinyin_of)
            .filter(|p| p.is_ascii())
            .collect()
    })
}

/// Wade–Giles initials (apostrophes already dropped) and their pinyin readings.
const WG_INITIALS: &[(&str, &[&str])] = &[
    ("tz", &["z", "c"]),
    ("ts", &["z", "c"]),
    ("hs", &["x"]),
    ("ch", &["zh", "ch", "j", "q"]),
    ("sh", &["sh"]),
    ("ss", &["s"]),
    ("sz", &["s"]),
    ("k", &["g", "k"]),
    ("p", &["b", "p"]),
    ("t", &["d", "t"]),
    ("j", &["r"]),
    ("m", &["m"]),
    ("f", &["f"]),
    ("n", &["n"]),
    ("l", &["l"]),
    ("h", &["h"]),
    ("s", &["s"]),
    ("w", &["w"]),
    ("y", &["y"]),
    ("", &[""]),
];

/// Wade–Giles finals and their pinyin spellings.
const WG_FINALS: &[(&str, &[&str])] = &[
    ("iung", &["iong"]),
    ("uang", &["uang"]),
    ("iang", &["iang"]),
    ("ieh", &["ie"]),
    ("ien", &["ian"]),
    ("ueh", &["ue"]),
    ("uan", &["uan"]),
    ("uai", &["uai"]),
    ("iao", &["iao"]),
    ("ung", &["ong"]),
    ("ang", &["ang"]),
    ("eng", &["eng"]),
    ("ing", &["ing"]),
    ("erh", &["er"]),
    ("ih", &["i"]),
    ("eh", &["e"]),
    ("uo", &["uo"]),
    ("ai", &["ai"]),
    ("ao", &["ao"]),
    ("an", &["an"]),
    ("ei", &["ei"]),
    ("en", &["en"]),
    ("ou", &["ou"]),
    ("ia", &["ia"]),
    ("iu", &["iu"]),
    ("in", &["in"]),
    ("ua", &["ua"]),
    ("ui", &["ui"]),
    ("un", &["un"]),
    ("u", &["u", "i"]),
    ("a", &["a"]),
    ("e", &["e"]),
    ("i", &["i"]),
    ("o", &["o", "e", "uo"]),
];

/// Pinyin spellings of a Latin word read as Wade–Giles syllables (`tsetung` → `zedong`,
/// `hsiaoping` → `xiaoping`, `kaishek` → `kaishe`… only spellings made of real pinyin
/// syllables), at most four; the word itself may be among them; empty when it is not Wade–Giles.
pub fn wade_giles_variants(word: &str) -> Vec<String> {
    if word.len() < 2 || word.len() > 16 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return Vec::new();
    }
    // letters Wade–Giles does not write (b d q v x; g only in ng; z only in tz/sz; r only in erh): most
    // words are rejected here, cheaply
    let b = word.as_bytes();
    let foreign = b.iter().enumerate().any(|(i, &c)| match c {
        b'b' | b'd' | b'q' | b'v' | b'x' => true,
        b'g' => i == 0 || b[i - 1] != b'n',
        b'z' => i == 0 || !matches!(b[i - 1], b't' | b's'),
        b'r' => !(i >= 1 && b[i - 1] == b'e' && b.get(i + 1) == Some(&b'h')),
        _ => false,
    });
    if foreign {
        return Vec::new();
    }
    let syl = pinyin_syllables();
    let mut out: Vec<String> = Vec::new();
    fn go(
        rest: &str,
        acc: &mut String,
        syl: &std::collections::HashSet<&'static str>,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        if out.len() >= 4 || depth > 4 {
            return;
        }
        if rest.is_empty() {
            if !out.contains(acc) {
                out.push(acc.clone());
            }
            return;
        }
        for (ini, ini_py) in WG_INITIALS {
            let Some(r1) = rest.strip_prefix(ini) else { continue };
            for (fin, fin_py) in WG_FINALS {
                let Some(r2) = r1.strip_prefix(fin) else { continue };
                for ip in *ini_py {
                    for fp in *fin_py {
                        let s = format!("{ip}{fp}");
                        if syl.contains(s.as_str()) {
                            let len = acc.len();
                            acc.push_str(&s);
                            go(r2, acc, syl, out, depth + 1);
                            acc.truncate(len);
                        }
                    }
                }
            }
        }
    }
    let mut acc = String::new();
    go(word, &mut acc, syl, &mut out, 0);
    out
}

/// Plain (toneless) pinyin of one Han character, if known.
pub fn pinyin_of(c: char) -> Option<&'static str> {
    use pinyin::ToPinyin;
    c.to_pinyin().map(|p| p.plain())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_consistent() {
        assert_eq!(T2S_TRAD.chars().count(), T2S_SIMP.chars().count());
        assert_eq!(t2s('華'), '华');
        assert_eq!(t2s('华'), '华');
        // from OpenCC's table (not in kean's own): 亞 → 亚, 僑 → 侨; 乾 stays (干 or 乾 by word)
        assert_eq!(t2s('亞'), '亚');
        assert_eq!(t2s('僑'), '侨');
        assert_eq!(t2s('乾'), '乾');
        assert_eq!(t2s('鉅'), '钜');
        assert_eq!(chinese_number("十四"), Some(14));
        assert_eq!(chinese_number("二十"), Some(20));
        assert_eq!(chinese_number("一百零三"), Some(103));
        assert_eq!(pinyin_of('华'), Some("hua"));
        assert!(is_pinyin_word("chengxin") && is_pinyin_word("zhongguo") && is_pinyin_word("huawei"));
        assert!(!is_pinyin_word("thomas") && !is_pinyin_word("jones") && !is_pinyin_word("martin"));
        assert!(dict().words.contains_key("技术"));
        assert!(
            validate_vocabulary(VOCABULARY).is_ok_and(|n| n > 400),
            "{:?}",
            validate_vocabulary(VOCABULARY)
        );
        assert!(
            validate_vocabulary(LEXICON).is_ok_and(|n| n > 5000),
            "{:?}",
            validate_vocabulary(LEXICON)
        );
    }
}
