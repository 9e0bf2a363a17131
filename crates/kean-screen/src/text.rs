//! Text normalization and tokenization of names in both scripts.

use crate::zh;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// An ordinary name word (or the pinyin/English key of a Chinese word).
    Word,
    /// A number (digits, or a Chinese ordinal such as 第十四 → 14).
    Number,
    /// A legal form (有限公司, Co., Ltd., GmbH, 集团, Group …): weak evidence.
    Legal,
}

/// One token of a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Canonical Latin key (lower-case ASCII where the script allows). For legal forms the
    /// family: `co` or `group`.
    pub key: String,
    /// Alternative keys (e.g. 航天 → aerospace|astronautic|space; 陈 → chen|chan).
    pub alts: Vec<String>,
    /// The text of the name this token comes from (for explanations).
    pub src: String,
    pub class: TokenClass,
    /// Optional tokens only count when the other name has them (科技 → `(science) technology`).
    pub optional: bool,
    /// The token is the pinyin of Chinese characters not in the dictionary (a brand name or a
    /// transliteration): it is compared phonetically and loosely, too.
    pub phonetic: bool,
    /// The token is a place name (weak evidence when only one name has it).
    pub place: bool,
    /// For phonetic tokens: the pinyin of each character (华大九天 → hua da jiu tian).
    pub parts: Vec<String>,
    /// The surname of a Chinese person name (must agree for a person match).
    pub surname: bool,
    /// The token was in parentheses (a qualifier such as a country or an acronym), or names the
    /// parent of a numbered or named unit (中国电子科技集团公司 in …第五十四研究所).
    pub qualifier: bool,
    /// The token's English comes from the CC-CEDICT lexicon (not kean's vocabulary).
    pub lexicon: bool,
    /// The token names the parent of a child unit (中国科学院 in 中国科学院计算技术研究所): a
    /// qualifier that weighs little, so that the child's own words decide.
    pub parent: bool,
    /// The unit that ends a parent–child name (研究所 in …第五十四研究所): the other name must
    /// have it too.
    pub child_unit: bool,
}

impl Token {
    fn word(key: String, src: &str) -> Token {
        Token {
            key,
            alts: Vec::new(),
            src: src.to_string(),
            class: TokenClass::Word,
            optional: false,
            phonetic: false,
            place: false,
            parts: Vec::new(),
            surname: false,
            qualifier: false,
            lexicon: false,
            parent: false,
            child_unit: false,
        }
    }

    fn legal(key: &str, src: &str) -> Token {
        let mut t = Token::word(key.to_string(), src);
        t.class = TokenClass::Legal;
        t
    }
    /// All keys of the token (the key and its alternatives).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str()).chain(self.alts.iter().map(String::as_str))
    }
}

/// Whether the caller knows what kind of party a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameHint {
    Person,
    Organization,
    Unknown,
}

fn is_middle_dot(c: char) -> bool {
    matches!(c, '·' | '•' | '・' | '‧' | '･' | '∙' | '⋅' | '\u{0387}')
}

fn fold_special(c: char, out: &mut String) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'þ' => out.push_str("th"),
        'ı' => out.push('i'),
        'ŋ' => out.push('n'),
        _ => out.push(c),
    }
}

/// Normalize a name for comparison: NFKC (full-width forms → ASCII), case folding, diacritics
/// stripped, Traditional → Simplified Chinese, punctuation and middle dots (· • ・) to spaces,
/// apostrophes dropped, dotted abbreviations joined (`p.l.c.` → `plc`), whitespace collapsed.
///
/// Idempotent: `normalize(&normalize(s)) == normalize(s)`.
/// Compatibility decomposition without combining marks, recomposed; the kana voicing marks stay
/// (バ is not ハ).
fn strip_marks(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c) || matches!(c, '\u{3099}' | '\u{309A}'))
        .nfc()
        .collect()
}

pub fn normalize(s: &str) -> String {
    // 1. compatibility decomposition, drop combining marks, recompose (keeps Hangul intact).
    let stripped: String = if s.is_ascii() {
        s.to_string()
    } else {
        // the kana voicing marks stay (バ is not ハ): recomposed below, romanised with the kana
        strip_marks(s)
    };
    // 2. case folding, special letters, T→S, punctuation.
    let mut folded = String::with_capacity(stripped.len());
    for c in stripped.chars() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                if l == '〇' {
                    // the ideographic zero of numbered institutes (第七〇一研究所)
                    folded.push('零');
                } else if zh::is_han(l) {
                    folded.push(zh::t2s(l));
                } else {
                    fold_special(l, &mut folded);
                }
            }
        } else if matches!(c, '\'' | '’' | '‘' | '`' | 'ʼ' | 'ʻ' | '´') {
            // dropped: O'Brien → obrien, Sa'id → said
        } else if c == '.' {
            folded.push('.');
        } else if is_middle_dot(c) || c.is_whitespace() || !c.is_alphanumeric() {
            folded.push(' ');
        }
    }
    // 3. dots: a word made only of single letters separated by dots is joined; else dot = space.
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        let pieces: Vec<&str> = word.split('.').filter(|p| !p.is_empty()).collect();
        if pieces.is_empty() {
            continue;
        }
        let all_single = pieces.len() > 1 && pieces.iter().all(|p| p.chars().count() == 1);
        if all_single {
            if !out.is_empty() {
                out.push(' ');
            }
            for p in pieces {
                out.push_str(p);
            }
        } else {
            for p in pieces {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(p);
            }
        }
    }
    // NFKC of the result keeps idempotency for exotic inputs whose folding produced
    // compatibility characters.
    if out.is_ascii() {
        return out;
    }
    let again = strip_marks(&out);
    if again == out { out } else { normalize(&again) }
}

/// Is `c` the first character of `word` (a word-initial Hangul syllable romanizes ㄱ/ㄷ/ㅂ as
/// k/t/p, as the DPRK and most name lists do)?
fn word_initial(word: &str, c: char) -> bool {
    word.starts_with(c)
}

/// McCune–Reischauer-like romanization of one Hangul syllable, as used for Korean names on
/// the lists (김정은 → kim jong un, 박 → pak, 리 → ri).
fn hangul_syllable(c: char, word_initial: bool) -> Option<String> {
    const INITIAL: [&str; 19] = [
        "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h",
    ];
    const VOWEL: [&str; 21] = [
        "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
        "eu", "ui", "i",
    ];
    const FINAL: [&str; 28] = [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "l", "l", "l", "l", "l", "l", "l", "m", "p", "p", "t", "t", "ng",
        "t", "t", "k", "t", "p", "t",
    ];
    let cp = c as u32;
    if !(0xAC00..=0xD7A3).contains(&cp) {
        return None;
    }
    let i = (cp - 0xAC00) as usize;
    let (l, v, t) = (i / 588, (i % 588) / 28, i % 28);
    let mut s = String::new();
    let init = match (word_initial, l) {
        (true, 0) => "k",
        (true, 3) => "t",
        (true, 7) => "p",
        _ => INITIAL[l],
    };
    s.push_str(init);
    s.push_str(VOWEL[v]);
    s.push_str(FINAL[t]);
    Some(s)
}

/// The customary Latin spellings of common Korean surnames beside their romanisation (이 → Lee,
/// Yi, Rhee; 박 → Park): passports and lists write them so, not as McCune–Reischauer does.
fn korean_surname_spellings(c: char) -> &'static [&'static str] {
    match c {
        '이' | '리' => &["lee", "yi", "rhee", "ri", "rhie"],
        '박' => &["park", "pak", "bak"],
        '김' => &["kim", "gim"],
        '최' => &["choi", "choe", "chey"],
        '정' => &["jung", "jeong", "chung", "chong"],
        '강' => &["kang", "gang"],
        '조' => &["cho", "jo", "joe"],
        '윤' => &["yoon", "yun"],
        '장' => &["jang", "chang"],
        '임' | '림' => &["lim", "im", "rim"],
        '한' => &["han"],
        '오' => &["oh", "o"],
        '서' => &["seo", "suh", "so"],
        '신' => &["shin", "sin"],
        '권' => &["kwon", "gwon"],
        '황' => &["hwang"],
        '안' => &["ahn", "an"],
        '송' => &["song"],
        '류' | '유' => &["ryu", "yoo", "yu", "rhyu"],
        '홍' => &["hong"],
        '전' => &["jeon", "chun", "jun", "chon"],
        '고' => &["ko", "go"],
        '문' => &["moon", "mun"],
        '손' => &["son", "sohn"],
        '배' => &["bae", "pae"],
        '백' => &["baek", "paek", "paik"],
        '노' | '로' => &["noh", "roh", "no", "ro"],
        _ => &[],
    }
}

/// Katakana, the script of foreign names in Japanese (バラク・オバマ → baraku obama), in Hepburn:
/// a small ャ/ュ/ョ joins the syllable before it (キャ kya, シャ sha), a small vowel replaces its
/// vowel (ファ fa, ティ ti); the long-vowel mark and the small ッ are dropped.
fn katakana(c: char, out: &mut String) -> bool {
    const ROW: [&str; 84] = [
        "a", "a", "i", "i", "u", "u", "e", "e", "o", "o", // ァ ア ィ イ ゥ ウ ェ エ ォ オ
        "ka", "ga", "ki", "gi", "ku", "gu", "ke", "ge", "ko", "go", // カ … ゴ
        "sa", "za", "shi", "ji", "su", "zu", "se", "ze", "so", "zo", // サ … ゾ
        "ta", "da", "chi", "ji", "", "tsu", "zu", "te", "de", "to", "do", // タ … ド (ッ at 34)
        "na", "ni", "nu", "ne", "no", // ナ … ノ
        "ha", "ba", "pa", "hi", "bi", "pi", "fu", "bu", "pu", "he", "be", "pe", "ho", "bo", "po", // ハ … ポ
        "ma", "mi", "mu", "me", "mo", // マ … モ
        "ya", "ya", "yu", "yu", "yo", "yo", // ャ ヤ ュ ユ ョ ヨ
        "ra", "ri", "ru", "re", "ro", // ラ … ロ
        "wa", "wa", "i", "e", "o", "n", "vu", // ヮ ワ ヰ ヱ ヲ ン ヴ
    ];
    let cp = c as u32;
    if c == 'ー' {
        return true;
    }
    if !(0x30A1..=0x30F4).contains(&cp) {
        return false;
    }
    let i = (cp - 0x30A1) as usize;
    let syl = ROW[i];
    let small_vowel = matches!(i, 0 | 2 | 4 | 6 | 8);
    let small_y = matches!(i, 66 | 68 | 70);
    if small_y && out.ends_with('i') {
        out.pop();
        if !(out.ends_with("sh") || out.ends_with("ch") || out.ends_with('j')) {
            out.push('y');
        }
        out.push_str(&syl[1..]);
    } else if small_vowel && out.ends_with(['a', 'i', 'u', 'e', 'o']) && out.len() > 1 {
        out.pop();
        out.push_str(syl);
    } else {
        out.push_str(syl);
    }
    true
}

fn translit_char(c: char, out: &mut String) {
    if katakana(c, out) {
        return;
    }
    let s = match c {
        // Greek
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' | 'ι' => "i",
        'θ' => "th",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ω' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        // Arabic (consonantal, long vowels as vowels; rough)
        'ا' | 'أ' | 'آ' | 'ى' | 'ة' | 'ع' => "a",
        'إ' => "i",
        'ب' => "b",
        'ت' | 'ط' => "t",
        'ث' => "th",
        'ج' => "j",
        'ح' | 'ه' => "h",
        'خ' => "kh",
        'د' | 'ض' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' | 'ظ' => "z",
        'س' | 'ص' => "s",
        'ش' => "sh",
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' => "k",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'و' => "u",
        'ي' => "i",
        'ء' | 'ئ' | 'ؤ' => "",
        // Armenian (lower case after normalisation)
        'ա' => "a",
        'բ' => "b",
        'գ' => "g",
        'դ' => "d",
        'ե' | 'է' => "e",
        'զ' => "z",
        'ը' => "y",
        'թ' | 'տ' => "t",
        'ժ' => "zh",
        'ի' => "i",
        'լ' => "l",
        'խ' => "kh",
        'ծ' | 'ց' => "ts",
        'կ' | 'ք' => "k",
        'հ' => "h",
        'ձ' => "dz",
        'ղ' => "gh",
        'ճ' | 'չ' => "ch",
        'մ' => "m",
        'յ' => "y",
        'ն' => "n",
        'շ' => "sh",
        'ո' | 'օ' => "o",
        'պ' | 'փ' => "p",
        'ջ' => "j",
        'ռ' | 'ր' => "r",
        'ս' => "s",
        'վ' => "v",
        'ւ' => "u",
        'և' => "ev",
        'ֆ' => "f",
        // Georgian (Mkhedruli, national romanisation without apostrophes)
        'ა' => "a",
        'ბ' => "b",
        'გ' => "g",
        'დ' => "d",
        'ე' => "e",
        'ვ' => "v",
        'ზ' => "z",
        'თ' | 'ტ' => "t",
        'ი' => "i",
        'კ' | 'ქ' => "k",
        'ლ' => "l",
        'მ' => "m",
        'ნ' => "n",
        'ო' => "o",
        'პ' | 'ფ' => "p",
        'ჟ' => "zh",
        'რ' => "r",
        'ს' => "s",
        'უ' => "u",
        'ღ' => "gh",
        'ყ' => "q",
        'შ' => "sh",
        'ჩ' | 'ჭ' => "ch",
        'ც' | 'წ' => "ts",
        'ძ' => "dz",
        'ხ' => "kh",
        'ჯ' => "j",
        'ჰ' => "h",
        // Devanagari: consonants and independent vowels (the vowel signs are combining marks,
        // dropped by normalisation: rough and consonantal, like Arabic; मोडी ~ मोदी ~ modi)
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' | 'ञ' | 'ण' | 'न' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ट' | 'त' => "t",
        'ठ' | 'थ' => "th",
        'ड' | 'द' => "d",
        'ढ' | 'ध' => "dh",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        'अ' | 'आ' => "a",
        'इ' | 'ई' => "i",
        'उ' | 'ऊ' => "u",
        'ए' => "e",
        'ऐ' => "ai",
        'ओ' => "o",
        'औ' => "au",
        'ऋ' => "ri",
        // Cyrillic
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'ї' => "yi",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}

const STOPWORDS: &[&str] = &[
    "the", "of", "and", "for", "in", "on", "at", "de", "des", "du", "la", "le", "del", "da", "do", "y", "und", "et",
    "by", "al", "el", "ul",
];

/// Multi-word legal forms (normalized words) → legal-form key.
const LEGAL_MULTI: &[(&[&str], &str)] = &[
    (&["gesellschaft", "mit", "beschrankter", "haftung"], "gmbh"),
    (&["societatea", "cu", "raspundere", "limitata"], "srl"),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["public", "joint", "stock", "company"], "jsc"),
    (&["open", "joint", "stock", "company"], "jsc"),
    (&["closed", "joint", "stock", "company"], "jsc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["public", "limited", "company"], "plc"),
    (&["group", "co", "ltd"], "group"),
    (&["group", "corp"], "group"),
    (&["group", "corporation"], "group"),
    (&["group", "company"], "group"),
    (&["co", "ltd"], "ltd"),
    (&["co", "limited"], "ltd"),
    (&["company", "limited"], "ltd"),
    (&["pte", "ltd"], "ltd"),
    (&["pvt", "ltd"], "ltd"),
    (&["private", "limited"], "ltd"),
    (&["sdn", "bhd"], "ltd"),
    (&["s", "a", "de", "c", "v"], "sa"),
    (&["s", "a", "r", "l"], "srl"),
    (&["s", "r", "l"], "srl"),
    (&["s", "p", "a"], "spa"),
    (&["s", "a"], "sa"),
    (&["b", "v"], "bv"),
    (&["n", "v"], "nv"),
    (&["sp", "z", "o", "o"], "spzoo"),
    (&["sp", "z", "oo"], "spzoo"),
    (&["sp", "zoo"], "spzoo"),
    (&["sp", "zo", "o"], "spzoo"),
    (&["co", "inc"], "corp"),
];

/// Do `words` start with the multi-word legal form `pat`? Every word as written, or one of its
/// longer words (five letters or more) misspelt or cut short by one letter, as typed or as a
/// list's fixed-width field truncates it (`Joynt Stock Company`, `Joint Stock Compan`).
fn legal_phrase_at(pat: &[&str], words: &[String]) -> bool {
    let mut typo = false;
    for (p, w) in pat.iter().zip(words) {
        if *p == w {
            continue;
        }
        // cheap tests first: this runs for every word of every name against every form
        if typo
            || p.len() < 5
            || w.len() + 1 < p.len()
            || w.len() > p.len() + 1
            || p.as_bytes()[0] != w.as_bytes().first().copied().unwrap_or(0)
            || crate::distance::ratio(p, w) < 0.8
        {
            return false;
        }
        typo = true;
    }
    true
}

/// Single-word legal forms → legal-form key.
fn legal_single(w: &str) -> Option<&'static str> {
    Some(match w {
        "ltd" | "limited" | "lda" | "ltda" | "pte" | "bhd" => "ltd",
        "llc" | "ooo" | "tov" => "llc",
        "inc" | "incorporated" | "corp" | "corporation" => "corp",
        "co" | "company" => "co",
        "plc" => "plc",
        "gmbh" => "gmbh",
        "ag" | "aktiengesellschaft" => "ag",
        "sa" => "sa",
        "srl" | "sarl" => "srl",
        "spa" => "spa",
        "bv" => "bv",
        "nv" => "nv",
        "kg" => "kg",
        "oao" | "zao" | "pao" | "jsc" | "pjsc" | "cjsc" | "ojsc" | "ao" => "jsc",
        "llp" => "llp",
        "lp" => "lp",
        "sas" => "sas",
        "kk" => "kk",
        "fze" | "fzco" | "fzc" | "fzllc" => "fze",
        "sro" => "sro",
        "doo" => "doo",
        "ab" => "ab",
        "oy" => "oy",
        "jv" => "jv",
        "group" => "group",
        _ => return None,
    })
}

/// Misspelt long legal forms (`Coproration`, `Limtied`).
fn legal_fuzzy(w: &str) -> Option<&'static str> {
    if w.len() < 6 {
        return None;
    }
    for (form, key) in [
        ("corporation", "corp"),
        ("incorporated", "corp"),
        ("company", "co"),
        ("limited", "ltd"),
        ("aktiengesellschaft", "ag"),
    ] {
        if form.len().abs_diff(w.len()) <= 2
            && form.as_bytes()[0] == w.as_bytes()[0]
            && crate::distance::ratio(w, form) >= 0.8
        {
            return Some(key);
        }
    }
    None
}

/// Family of a legal-form key: `group` or `co` (every company form).
pub fn legal_family(key: &str) -> &'static str {
    if key == "group" { "group" } else { "co" }
}

fn number_word(w: &str) -> Option<(u32, bool)> {
    // (value, is_tens)
    Some(match w {
        "one" | "first" => (1, false),
        "two" | "second" => (2, false),
        "three" | "third" => (3, false),
        "four" | "fourth" => (4, false),
        "five" | "fifth" => (5, false),
        "six" | "sixth" => (6, false),
        "seven" | "seventh" => (7, false),
        "eight" | "eighth" => (8, false),
        "nine" | "ninth" => (9, false),
        "ten" | "tenth" => (10, false),
        "eleven" => (11, false),
        "twelve" => (12, false),
        "thirteen" => (13, false),
        "fourteen" => (14, false),
        "fifteen" => (15, false),
        "sixteen" => (16, false),
        "seventeen" => (17, false),
        "eighteen" => (18, false),
        "nineteen" => (19, false),
        "twenty" => (20, true),
        "thirty" => (30, true),
        "forty" | "fourty" => (40, true),
        "fifty" => (50, true),
        "sixty" => (60, true),
        "seventy" => (70, true),
        "eighty" => (80, true),
        "ninety" => (90, true),
        _ => return None,
    })
}

/// Canonical form of one Latin word: light stemming and synonyms of organization words.
pub fn canon_word(w: &str) -> String {
    let syn = match w {
        "tech" | "technologies" | "technological" | "techn" => Some("technology"),
        "sci" => Some("science"),
        "intl" | "internat" => Some("international"),
        "natl" => Some("national"),
        "univ" => Some("university"),
        "inst" => Some("institute"),
        "lab" | "labs" | "laboratories" | "laboratory" => Some("laboratory"),
        "ctr" | "centre" | "centres" | "centers" => Some("center"),
        "defence" => Some("defense"),
        "mfg" => Some("manufacturing"),
        "industrial" | "industries" | "ind" => Some("industry"),
        "telecom" | "telecoms" | "telecommunications" => Some("telecommunication"),
        "aeronautics" | "aeronautical" => Some("aeronautic"),
        "astronautics" | "astronautical" => Some("astronautic"),
        "polytechnical" => Some("polytechnic"),
        "optical" | "optics" => Some("optic"),
        "electronics" | "electronical" => Some("electronic"),
        "electrical" => Some("electric"),
        "physics" => Some("physic"),
        "hongkong" => Some("hongkong"),
        "ibn" => Some("bin"),
        "mohammed" | "mohammad" | "muhammad" | "muhammed" | "mohamed" | "mohamad" | "mhmd" => Some("muhammad"),
        _ => None,
    };
    if let Some(s) = syn {
        return s.to_string();
    }
    let n = w.chars().count();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") && w.is_ascii() {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// English keys of the units an institution is made of (institute, academy, factory …): a
/// number beside one names a numbered unit (第五十四研究所 → 54 institute).
const UNIT_KEYS: &[&str] = &[
    "institute",
    "academy",
    "university",
    "college",
    "laboratory",
    "center",
    "factory",
    "plant",
    "base",
    "branch",
    "bureau",
    "department",
    "office",
    "administration",
    "shipyard",
];

/// Is the token an institution unit (institute, academy, factory …)?
pub fn is_unit(t: &Token) -> bool {
    t.class == TokenClass::Word && t.keys().any(|k| UNIT_KEYS.contains(&k))
}

/// Parent–child names written parent first (中国科学院 | 计算技术研究所, 中国电子科技集团公司 |
/// 第五十四研究所): the parent's words become qualifiers — optional, a conflict only when both
/// names name different parents — since English lists often write the child alone or child
/// first ("54th Research Institute of China", "Institute of Computing Technology").
fn mark_parent(toks: &mut [Token]) {
    let Some(last) = toks.iter().rposition(|t| t.class != TokenClass::Legal && !t.optional) else {
        return;
    };
    if !is_unit(&toks[last]) {
        return;
    }
    // the child's own unit words (research institute) end the name
    let mut start = last;
    while start > 0
        && (is_unit(&toks[start - 1]) || toks[start - 1].optional)
        && toks[start - 1].class == TokenClass::Word
    {
        start -= 1;
    }
    // numbered child: everything before its number is the parent
    let boundary = if start > 0 && toks[start - 1].class == TokenClass::Number {
        Some(start - 1)
    } else {
        // a named child: everything up to the previous unit (or legal form) is the parent
        toks[..start]
            .iter()
            .rposition(|t| is_unit(t) || t.class == TokenClass::Legal)
            .map(|p| p + 1)
            .filter(|&p| p < start && toks[p..start].iter().any(|t| !t.optional))
    };
    let Some(b) = boundary else { return };
    if b == 0 {
        return;
    }
    for t in &mut toks[..b] {
        if t.class == TokenClass::Word {
            t.optional = true;
            t.qualifier = true;
            t.parent = true;
        }
    }
    toks[last].child_unit = true;
}

/// Parse the dictionary notation of a Chinese word into tokens.
fn dict_tokens(word: &zh::DictWord, src: &str, out: &mut Vec<Token>) {
    if let Some(key) = word.legal {
        out.push(Token::legal(key, src));
        return;
    }
    let lexicon = word.source == zh::WordSource::Lexicon;
    if lexicon && word.tokens.len() == 1 && !word.place {
        // a lexicon word keeps its pinyin (a brand may be written in pinyin) and gains its
        // glosses as alternatives (计算 → jisuan | computing)
        let chars: Vec<char> = src.chars().collect();
        let mut t = phonetic_token(&chars);
        t.lexicon = true;
        for a in word.tokens[0].0.iter().map(|a| canon_word(a)) {
            if a != t.key && !t.alts.contains(&a) {
                t.alts.push(a);
            }
        }
        t.optional = word.tokens[0].1;
        out.push(t);
        return;
    }
    for (alts, optional) in &word.tokens {
        let mut keys = alts.iter().map(|a| canon_word(a));
        let key = keys.next().unwrap_or_default();
        let mut t = Token::word(key, src);
        t.alts = keys.collect();
        t.optional = *optional;
        t.place = word.place;
        t.lexicon = lexicon;
        out.push(t);
    }
}

fn pinyin_run(chars: &[char]) -> String {
    let mut s = String::with_capacity(chars.len() * 4);
    for &c in chars {
        match zh::pinyin_of(c) {
            Some(p) => s.push_str(p),
            None => s.push(c),
        }
    }
    s
}

fn phonetic_token(chars: &[char]) -> Token {
    let src: String = chars.iter().collect();
    let mut t = Token::word(pinyin_run(chars), &src);
    t.phonetic = true;
    if chars.len() > 1 {
        t.parts = chars.iter().map(|&c| pinyin_run(&[c])).collect();
    }
    t
}

/// Segment an organization name's Han run by forward maximum matching against the bilingual
/// dictionary; runs of characters not in the dictionary become one whole-word pinyin token
/// (华为 → huawei, 大华 → dahua).
fn segment_org(chars: &[char], out: &mut Vec<Token>, d: &zh::Dict) {
    let mut toks = Vec::new();
    segment_words(chars, &mut toks, d);
    mark_parent(&mut toks);
    out.append(&mut toks);
}

/// A numeral run before a unit character (五十四所, 九院) is a number even without 第.
fn numbered_unit_at(chars: &[char], j: usize) -> bool {
    chars.get(j).is_some_and(|c| "所院厂室部局处中基".contains(*c))
}

fn segment_words(chars: &[char], out: &mut Vec<Token>, d: &zh::Dict) {
    let mut unknown: Vec<char> = Vec::new();
    let mut i = 0;
    let longest_at = |i: usize| -> Option<(usize, &zh::DictWord)> {
        let max = d.max_len.min(chars.len() - i);
        let mut buf = String::new();
        let mut best = None;
        for len in 1..=max {
            buf.push(chars[i + len - 1]);
            if let Some(w) = d.words.get(buf.as_str())
                && !is_lexicon_word(w)
            {
                best = Some((len, w));
            }
        }
        best
    };
    while i < chars.len() {
        // 第十四 → 14; 五十四所 → 54 institute
        let ordinal = chars[i] == '第';
        if ordinal || (zh::is_numeral_char(chars[i]) && (i == 0 || !zh::is_numeral_char(chars[i - 1]))) {
            let first = if ordinal { i + 1 } else { i };
            let mut j = first;
            while j < chars.len() && zh::is_numeral_char(chars[j]) {
                j += 1;
            }
            if j > first && (ordinal || numbered_unit_at(chars, j)) {
                let s: String = chars[first..j].iter().collect();
                if let Some(n) = zh::chinese_number(&s) {
                    if !unknown.is_empty() {
                        unknown_run(&unknown, out, d);
                        unknown.clear();
                    }
                    let src: String = chars[i..j].iter().collect();
                    let mut t = Token::word(n.to_string(), &src);
                    t.class = TokenClass::Number;
                    out.push(t);
                    i = j;
                    continue;
                }
            }
        }
        match longest_at(i) {
            Some((len, w))
                if len > 1
                    || i + 1 == chars.len()
                    || unknown.is_empty()
                    || longest_at(i + 1).is_some_and(|(l, _)| l > 1) =>
            {
                if !unknown.is_empty() {
                    unknown_run(&unknown, out, d);
                    unknown.clear();
                }
                let src: String = chars[i..i + len].iter().collect();
                dict_tokens(w, &src, out);
                i += len;
            }
            _ => {
                unknown.push(chars[i]);
                i += 1;
            }
        }
    }
    if !unknown.is_empty() {
        unknown_run(&unknown, out, d);
    }
}

/// A one-word gloss of the lexicon (计算 → computing): used only when it covers a whole run of
/// characters the vocabulary does not know, never to split a transliteration (埃科达因).
fn is_lexicon_word(w: &zh::DictWord) -> bool {
    w.source == zh::WordSource::Lexicon && w.tokens.len() == 1
}

/// Characters the vocabulary does not know: lexicon words when they cover the whole run
/// exactly (at most three of them), else one pinyin token (a brand or a transliteration).
fn unknown_run(run: &[char], out: &mut Vec<Token>, d: &zh::Dict) {
    let n = run.len();
    // cover[i]: a split of run[i..] into lexicon words, as the lengths of its words
    let mut cover: Vec<Option<Vec<usize>>> = vec![None; n + 1];
    cover[n] = Some(Vec::new());
    for i in (0..n).rev() {
        for len in (2..=4.min(n - i)).rev() {
            let w: String = run[i..i + len].iter().collect();
            if d.words.get(w.as_str()).is_some_and(is_lexicon_word)
                && let Some(rest) = &cover[i + len]
                && rest.len() < 3
            {
                let mut v = vec![len];
                v.extend(rest);
                cover[i] = Some(v);
                break;
            }
        }
    }
    match &cover[0] {
        Some(lens) if !lens.is_empty() => {
            let mut i = 0;
            for &len in lens {
                let src: String = run[i..i + len].iter().collect();
                if let Some(w) = d.words.get(src.as_str()) {
                    dict_tokens(w, &src, out);
                }
                i += len;
            }
        }
        _ => out.push(phonetic_token(run)),
    }
}

/// A Chinese person name: surname + given name in pinyin (余茂春 → yu maochun).
fn person_han(chars: &[char], out: &mut Vec<Token>) {
    let two: String = chars.iter().take(2).collect();
    let sn_len = if chars.len() >= 3 && zh::compound_surname(&two) {
        2
    } else {
        1
    };
    let surname: String = chars[..sn_len].iter().collect();
    let mut t = Token::word(pinyin_run(&chars[..sn_len]), &surname);
    if let Some(readings) = zh::surname_reading(&surname) {
        let mut it = readings.split('|').map(str::to_string);
        if let Some(first) = it.next() {
            t.key = first;
        }
        t.alts = it.collect();
    }
    t.surname = true;
    out.push(t);
    if chars.len() > sn_len {
        let mut g = phonetic_token(&chars[sn_len..]);
        g.phonetic = true;
        out.push(g);
    }
}

/// Is `name` a bare Chinese name shaped like a person's (2–4 Han characters, a common surname
/// first, no dictionary word inside)?
pub fn looks_like_chinese_person(name: &str) -> bool {
    looks_like_chinese_person_in(name, zh::dict())
}

/// [`looks_like_chinese_person`] with the words of dictionary `d`.
pub fn looks_like_chinese_person_in(name: &str, d: &zh::Dict) -> bool {
    let norm = normalize(name);
    let chars: Vec<char> = norm.chars().collect();
    chars.iter().all(|&c| zh::is_han(c)) && looks_like_person(&chars, d)
}

fn looks_like_person(chars: &[char], d: &zh::Dict) -> bool {
    if chars.len() < 2 || chars.len() > 4 {
        return false;
    }
    let two: String = chars.iter().take(2).collect();
    if !(zh::is_surname(chars[0]) || zh::compound_surname(&two)) {
        return false;
    }
    // no dictionary word of two or more characters inside
    for i in 0..chars.len() {
        for j in i + 2..=chars.len() {
            let s: String = chars[i..j].iter().collect();
            if d.words.contains_key(s.as_str()) {
                return false;
            }
        }
    }
    true
}

/// Tokenize a name (normalizing it first). The result is the matching representation used by
/// the index and the scorer.
///
/// Words in parentheses (`(CETC 14)`, `(Bolivia)`, `（深圳）`) are qualifiers and acronyms:
/// their tokens are optional.
pub fn tokenize(name: &str, hint: NameHint) -> Vec<Token> {
    tokenize_in(name, hint, zh::dict())
}

/// [`tokenize`] with the words of dictionary `d` (a bureau's own vocabulary added).
pub fn tokenize_in(name: &str, hint: NameHint, d: &zh::Dict) -> Vec<Token> {
    let mut main = String::with_capacity(name.len());
    let mut inner = String::new();
    let mut depth = 0usize;
    let chars: Vec<char> = name.chars().collect();
    let han = |c: Option<&char>| c.is_some_and(|&c| zh::is_han(zh::t2s(c)));
    for (i, &c) in chars.iter().enumerate() {
        // spaces (half- or full-width) inside a Chinese name do not split its words
        // (北京 理工 大学, 中国电子科技集团公司　第五十四研究所)
        if c.is_whitespace() && han(i.checked_sub(1).and_then(|j| chars.get(j))) && {
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            han(next)
        } {
            continue;
        }
        match c {
            '(' | '（' | '[' => {
                depth += 1;
                main.push(' ');
                inner.push(' ');
            }
            ')' | '）' | ']' if depth > 0 => {
                depth -= 1;
                main.push(' ');
                inner.push(' ');
            }
            _ if depth > 0 => inner.push(c),
            _ => main.push(c),
        }
    }
    let norm = normalize(&main);
    if norm.is_empty() {
        return tokenize_normalized_in(&normalize(name), hint, d);
    }
    let mut out = tokenize_normalized_in(&norm, hint, d);
    if !inner.trim().is_empty() {
        for mut t in tokenize_normalized_in(&normalize(&inner), hint, d) {
            if t.class != TokenClass::Legal {
                t.optional = true;
                t.qualifier = true;
                out.push(t);
            }
        }
    }
    out
}

/// Tokenize an already normalized name.
pub fn tokenize_normalized(norm: &str, hint: NameHint) -> Vec<Token> {
    tokenize_normalized_in(norm, hint, zh::dict())
}

/// [`tokenize_normalized`] with the words of dictionary `d`.
pub fn tokenize_normalized_in(norm: &str, hint: NameHint, d: &zh::Dict) -> Vec<Token> {
    let digits_in_han;
    let norm = if norm.bytes().any(|b| b.is_ascii_digit()) && norm.chars().any(zh::is_han) {
        digits_in_han = han_digits(norm);
        digits_in_han.as_str()
    } else {
        norm
    };
    let mut out = Vec::new();
    // split into pieces: Han runs and other words
    let mut latin_words: Vec<String> = Vec::new();
    let mut han_runs: Vec<Vec<char>> = Vec::new();
    let mut hangul: Vec<(String, char, bool)> = Vec::new();
    // order matters little for the scorer; keep Latin words in order for legal-form detection.
    for word in norm.split(' ') {
        let mut cur = String::new();
        let mut han: Vec<char> = Vec::new();
        for c in word.chars() {
            if zh::is_han(c) {
                if !cur.is_empty() {
                    latin_words.push(std::mem::take(&mut cur));
                }
                han.push(c);
            } else {
                if !han.is_empty() {
                    han_runs.push(std::mem::take(&mut han));
                }
                let initial = cur.is_empty() && word_initial(word, c);
                if let Some(syl) = hangul_syllable(c, initial) {
                    // each Hangul syllable is its own word (김정은 → kim jong un)
                    if !cur.is_empty() {
                        latin_words.push(std::mem::take(&mut cur));
                    }
                    hangul.push((syl, c, initial));
                    continue;
                }
                translit_char(c, &mut cur);
            }
        }
        if !cur.is_empty() {
            latin_words.push(cur);
        }
        if !han.is_empty() {
            han_runs.push(han);
        }
    }
    // Hangul syllables: phonetic tokens, compared loosely with Latin spellings
    for (syl, c, initial) in hangul {
        let mut t = Token::word(syl, &c.to_string());
        t.phonetic = true;
        if initial {
            t.alts = korean_surname_spellings(c).iter().map(|s| s.to_string()).collect();
        }
        out.push(t);
    }
    let total_han: usize = han_runs.iter().map(Vec::len).sum();
    let multi_part = han_runs.len() > 1;
    for run in &han_runs {
        let person = match hint {
            NameHint::Person => true,
            NameHint::Organization => false,
            NameHint::Unknown => latin_words.is_empty() && !multi_part && looks_like_person(run, d),
        };
        if person && multi_part {
            // a transliterated foreign name (托德·斯坦恩): each part is one phonetic token
            out.push(phonetic_token(run));
        } else if person && total_han <= 4 {
            person_han(run, &mut out);
        } else if person {
            out.push(phonetic_token(run));
        } else {
            segment_org(run, &mut out, d);
        }
    }
    latin_tokens(
        &latin_words,
        !han_runs.is_empty(),
        hint == NameHint::Person,
        &mut out,
        d,
    );
    out
}

/// Arabic digits written inside a Chinese name (第54研究所, 十4所) as Chinese numerals, so the
/// number stays with its unit: 第54研究所 → 第五四研究所 (= 54).
fn han_digits(norm: &str) -> String {
    const ZH: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let chars: Vec<char> = norm.chars().collect();
    let mut out = String::with_capacity(norm.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            // only an ordinal (第54) or a numbered unit (54所): a brand's number stays (奇虎360)
            let ordinal = i > 0 && chars[i - 1] == '第';
            let unit = numbered_unit_at(&chars, j);
            if (ordinal || unit) && j - i <= 4 {
                for c in &chars[i..j] {
                    out.push(ZH[c.to_digit(10).unwrap_or(0) as usize]);
                }
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn latin_tokens(words: &[String], has_han: bool, person: bool, out: &mut Vec<Token>, d: &zh::Dict) {
    let places = &d.places;
    let mut i = 0;
    let n = words.len();
    'outer: while i < n {
        // legal forms (never the only word of the name)
        if n > 1 || has_han {
            for (pat, key) in LEGAL_MULTI {
                if i + pat.len() <= n && legal_phrase_at(pat, &words[i..]) {
                    out.push(Token::legal(key, &words[i..i + pat.len()].join(" ")));
                    i += pat.len();
                    continue 'outer;
                }
            }
            if let Some(key) = legal_single(&words[i]).or_else(|| legal_fuzzy(&words[i])) {
                out.push(Token::legal(key, &words[i]));
                i += 1;
                continue;
            }
        }
        // pinyin ordinal: di san shi liu → 36
        if words[i] == "di" && i + 1 < n {
            let mut j = i + 1;
            let mut zhnum = String::new();
            while j < n
                && let Some(c) = zh::pinyin_digit(&words[j])
            {
                zhnum.push(c);
                j += 1;
            }
            if let Some(v) = zh::chinese_number(&zhnum) {
                let mut t = Token::word(v.to_string(), &words[i..j].join(" "));
                t.class = TokenClass::Number;
                out.push(t);
                i = j;
                continue;
            }
        }
        // English number words: forty four, forty-four, forty 4, fourteenth
        if let Some((v, tens)) = number_word(&words[i]) {
            let mut value = v;
            let mut j = i + 1;
            if tens && j < n {
                if let Some((u, false)) = number_word(&words[j]).filter(|(u, _)| *u < 10) {
                    value += u;
                    j += 1;
                } else if let Ok(u) = words[j].parse::<u32>()
                    && u < 10
                {
                    value += u;
                    j += 1;
                }
            }
            let mut t = Token::word(value.to_string(), &words[i..j].join(" "));
            t.class = TokenClass::Number;
            out.push(t);
            i = j;
            continue;
        }
        // pinyin spelling of a dictionary word, over up to six words ("you xian ze ren gong si")
        if let Some((len, dw)) = pinyin_word_at(words, i, d) {
            let src = words[i..i + len].join(" ");
            dict_tokens(dw, &src, out);
            i += len;
            continue;
        }
        let w = &words[i];
        let mut t = Token::word(canon_word(w), w);
        // "No. 11 Research Institute": the abbreviation of "number" before a number
        let numero = w == "no" && words.get(i + 1).is_some_and(|x| x.bytes().all(|b| b.is_ascii_digit()));
        if numero || (STOPWORDS.contains(&w.as_str()) && (n > 1 || has_han)) {
            t.optional = true;
        } else if w.bytes().all(|b| b.is_ascii_digit()) {
            t.class = TokenClass::Number;
            t.key = w.trim_start_matches('0').to_string();
            if t.key.is_empty() {
                t.key = "0".into();
            }
        } else if let Some(num) = ordinal(w).or_else(|| roman(w)) {
            t.key = num;
            t.class = TokenClass::Number;
        } else if is_patronymic(w) {
            // Slavic patronymics are often left out (Volodymyr [Oleksandrovych] Zelenskyy);
            // two different ones are a conflict, like parenthesized qualifiers
            t.optional = true;
            t.qualifier = true;
        }
        t.place = places.contains(t.key.as_str());
        if t.class == TokenClass::Word && !t.optional && !t.place {
            // Wade–Giles spellings of Chinese names (Tse-tung, Hsiao-ping) also as pinyin
            for v in zh::wade_giles_variants(w) {
                if v != t.key && !t.alts.contains(&v) {
                    t.alts.push(v);
                }
            }
            // a person's familiar given name is also its full form (Ted → Theodore, Edward)
            if person {
                for full in familiar_forms(w) {
                    let k = canon_word(full);
                    if k != t.key && !t.alts.contains(&k) {
                        t.alts.push(k);
                    }
                }
            }
        }
        out.push(t);
        i += 1;
    }
}

fn pinyin_word_at<'d>(words: &[String], i: usize, d: &'d zh::Dict) -> Option<(usize, &'d zh::DictWord)> {
    let pw = &d.pinyin;
    let mut joined = String::new();
    let mut best = None;
    for len in 1..=6.min(words.len() - i) {
        let w = &words[i + len - 1];
        if !w.bytes().all(|b| b.is_ascii_lowercase()) {
            break;
        }
        joined.push_str(w);
        if joined.len() >= 4
            && let Some(dw) = pw.get(&joined)
        {
            best = Some((len, dw));
        }
    }
    best
}

/// Roman numerals of funds and series (`VII` → `7`); single `i`, `v`, `x` excluded (initials).
fn roman(w: &str) -> Option<String> {
    // `xi` (a Chinese surname) and forms with `l` (li) are left as words
    if w.len() < 2 || w.len() > 6 || w == "xi" || !w.bytes().all(|b| b"ivx".contains(&b)) {
        return None;
    }
    let val = |b: u8| match b {
        b'i' => 1,
        b'v' => 5,
        b'x' => 10,
        _ => 50,
    };
    let bytes = w.as_bytes();
    let mut total = 0i32;
    for (k, &b) in bytes.iter().enumerate() {
        let v = val(b);
        if bytes.get(k + 1).is_some_and(|&n| val(n) > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    (total > 0).then(|| total.to_string())
}

fn is_patronymic(w: &str) -> bool {
    // -ovitch/-evitch: the French transliteration (Borisovitch)
    w.len() >= 7
        && [
            "ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna", "ievich", "ovitch", "evitch",
        ]
        .iter()
        .any(|s| w.ends_with(s))
}

/// The full given names a familiar form stands for (English and Russian hypocoristics that
/// share no beginning with the full name, or too little for a short form: Bill → William, Ted →
/// Theodore or Edward, Sasha → Alexander). Short forms that begin the full name (Ben ~ Benjamin)
/// need no entry: the alignment finds them.
fn familiar_forms(w: &str) -> &'static [&'static str] {
    match w {
        "bill" | "billy" | "willy" => &["william"],
        "bob" | "bobby" | "robbie" | "bert" => &["robert"],
        "dick" | "rick" | "ricky" | "rich" => &["richard"],
        "ted" | "teddy" => &["theodore", "edward"],
        "ned" | "eddie" => &["edward"],
        "jim" | "jimmy" => &["james"],
        "mike" | "mick" | "mickey" => &["michael"],
        "tommy" => &["thomas"],
        "tony" => &["anthony", "antonio"],
        "joe" | "joey" => &["joseph"],
        "jack" | "johnny" => &["john"],
        "chuck" | "charlie" => &["charles"],
        "hank" => &["henry"],
        "harry" => &["henry", "harold"],
        "peggy" | "maggie" | "meg" => &["margaret"],
        "kate" | "katie" | "kathy" | "cathy" => &["katherine", "catherine", "kathleen"],
        "liz" | "lizzie" | "beth" | "betty" | "betsy" => &["elizabeth"],
        "sue" | "susie" => &["susan"],
        "jenny" => &["jennifer"],
        "sasha" => &["alexander", "aleksandr", "alexandra"],
        "volodya" => &["vladimir"],
        "misha" => &["mikhail"],
        "dima" => &["dmitry", "dmitri"],
        "kolya" => &["nikolai", "nikolay"],
        "vanya" => &["ivan"],
        "pasha" => &["pavel"],
        "seryozha" => &["sergey", "sergei"],
        "lyosha" | "alyosha" => &["aleksey", "alexei"],
        "zhenya" => &["yevgeny", "evgeny"],
        "pepe" => &["jose"],
        "paco" | "pancho" => &["francisco"],
        "nacho" => &["ignacio"],
        _ => &[],
    }
}

/// `14th` → `14`.
fn ordinal(w: &str) -> Option<String> {
    for suf in ["st", "nd", "rd", "th"] {
        if let Some(d) = w.strip_suffix(suf)
            && !d.is_empty()
            && d.bytes().all(|b| b.is_ascii_digit())
        {
            return Some(d.to_string());
        }
    }
    None
}

/// A coarse phonetic skeleton of a Latin key, shared by pinyin and English spellings:
/// vowels and h/w/y dropped (except a leading vowel), voiced/unvoiced pairs merged, r → l,
/// repeated letters collapsed, a final `ng` → `n`. `tuode` and `todd` → `td`; `mading` and
/// `martin` → `mtn`.
pub fn skeleton(key: &str) -> String {
    let b: Vec<u8> = key.bytes().collect();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let mapped: Option<u8> = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w' | b'h' => {
                if i == 0 {
                    Some(b'a')
                } else {
                    None
                }
            }
            b'b' | b'p' => Some(b'p'),
            b'd' | b't' => Some(b't'),
            b'q' => Some(b'j'),
            b'g' | b'k' | b'c' => {
                if c == b'c' && next == Some(b'h') {
                    i += 1;
                    Some(b'j')
                } else if c == b'g' && out.last() == Some(&b'n') {
                    None
                } else {
                    Some(b'k')
                }
            }
            b'z' if next == Some(b'h') => {
                // pinyin zh / Russian zh ~ English j
                i += 1;
                Some(b'j')
            }
            b'x' | b's' | b'z' => {
                if next == Some(b'h') {
                    i += 1;
                }
                Some(b's')
            }
            b'j' => Some(b'j'),
            b'r' => {
                // non-rhotic: r before a consonant or at the end disappears
                match next {
                    Some(n) if b"aeiouy".contains(&n) => Some(b'l'),
                    _ => None,
                }
            }
            b'l' => Some(b'l'),
            b'f' | b'v' => Some(b'f'),
            b'm' => Some(b'm'),
            b'n' => Some(b'n'),
            c if c.is_ascii_digit() => Some(c),
            _ => None,
        };
        if let Some(m) = mapped
            && out.last() != Some(&m)
        {
            out.push(m);
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str, h: NameHint) -> Vec<String> {
        tokenize(s, h)
            .into_iter()
            .map(|t| {
                if t.class == TokenClass::Legal {
                    format!("@{}", t.key)
                } else {
                    t.key
                }
            })
            .collect()
    }

    #[test]
    fn normalization() {
        assert_eq!(
            normalize("ＨＵＡＷＥＩ  Technologies Co.,Ltd."),
            "huawei technologies co ltd"
        );
        assert_eq!(normalize("François  Hollande"), "francois hollande");
        assert_eq!(normalize("HSBC Holdings p.l.c."), "hsbc holdings plc");
        assert_eq!(normalize("華為技術有限公司"), "华为技术有限公司");
        assert_eq!(normalize("托德·斯坦恩"), "托德 斯坦恩");
        assert_eq!(normalize("O'Brien"), "obrien");
    }

    #[test]
    fn chinese_org_keys() {
        assert_eq!(
            keys("华为技术有限公司", NameHint::Unknown),
            vec!["huawei", "technology", "@ltd"]
        );
        assert_eq!(
            keys("Huawei Technologies Co., Ltd.", NameHint::Unknown),
            vec!["huawei", "technology", "@ltd"]
        );
        assert_eq!(
            keys("浙江大华技术股份有限公司", NameHint::Unknown),
            vec!["zhejiang", "dahua", "technology", "@ltd"]
        );
        assert_eq!(
            keys("中国电子科技集团公司第十四研究所", NameHint::Unknown),
            vec![
                "china",
                "electronic",
                "technology",
                "cetc",
                "14",
                "research",
                "institute"
            ]
        );
    }

    #[test]
    fn latin_details() {
        assert_eq!(keys("Brigade Forty-Four", NameHint::Unknown), vec!["brigade", "44"]);
        assert_eq!(
            keys("Carlyle Partners VII L.P.", NameHint::Unknown),
            vec!["carlyle", "partner", "7", "@lp"]
        );
        assert_eq!(
            keys("Huawei Jishu Youxian Gongsi", NameHint::Unknown),
            vec!["huawei", "technology", "@ltd"]
        );
        assert_eq!(
            keys("Sierra Nevada Coproration", NameHint::Unknown),
            vec!["sierra", "nevada", "@corp"]
        );
        let t = tokenize("Huawei Technologies (Bolivia) S.R.L.", NameHint::Unknown);
        assert!(t.iter().any(|t| t.key == "bolivia" && t.qualifier && t.optional));
        assert!(t.iter().any(|t| t.key == "srl" && t.class == TokenClass::Legal));
        assert!(looks_like_chinese_person("余茂春"));
        assert!(!looks_like_chinese_person("华为技术"));
    }

    #[test]
    fn chinese_person_keys() {
        assert_eq!(keys("余茂春", NameHint::Unknown), vec!["yu", "maochun"]);
        assert_eq!(keys("托德·斯坦恩", NameHint::Person), vec!["tuode", "sitanen"]);
        assert_eq!(skeleton("tuode"), skeleton("todd"));
        assert_eq!(skeleton("mading"), skeleton("martin"));
        assert_eq!(skeleton("sitanen"), skeleton("stein"));
    }
}
