//! String distances: edit distance with adjacent transpositions and the edit ratio.

/// Edit distance with adjacent transpositions (optimal string alignment; bytes for ASCII,
/// chars otherwise), small strings.
pub fn levenshtein(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        return lev_slice(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    lev_slice(&a, &b)
}

/// Edit distance with adjacent transpositions (optimal string alignment): `setin` → `stein`
/// costs 1.
pub(crate) fn lev_slice<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let w = b.len() + 1;
    if w <= 64 && a.len() < 255 {
        // three rows of small counters on the stack
        let mut rows = [0u8; 3 * 64];
        osa(a, b, &mut rows[..3 * w]) as usize
    } else {
        let mut rows = vec![0usize; 3 * w];
        osa(a, b, &mut rows)
    }
}

pub(crate) fn osa<T: PartialEq, C: Copy + Ord + From<u8> + std::ops::Add<Output = C> + TryFrom<usize>>(
    a: &[T],
    b: &[T],
    rows: &mut [C],
) -> C {
    let w = b.len() + 1;
    let one = C::from(1u8);
    let num = |x: usize| C::try_from(x).unwrap_or(C::from(u8::MAX));
    let (mut pp, mut p, mut c) = (0usize, w, 2 * w);
    for j in 0..w {
        rows[p + j] = num(j);
    }
    for i in 0..a.len() {
        rows[c] = num(i + 1);
        for j in 0..b.len() {
            let cost = if a[i] == b[j] { C::from(0u8) } else { one };
            let mut v = (rows[p + j] + cost).min(rows[p + j + 1] + one).min(rows[c + j] + one);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                v = v.min(rows[pp + j - 1] + one);
            }
            rows[c + j + 1] = v;
        }
        (pp, p, c) = (p, c, pp);
    }
    rows[p + b.len()]
}

/// Similarity 1 − distance / longer length.
pub fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (a.len(), b.len());
    let n = la.max(lb);
    if n == 0 {
        return 1.0;
    }
    if a.is_ascii() && b.is_ascii() {
        // cheap upper bound: length difference alone
        if (la.abs_diff(lb) as f64) / (n as f64) > 0.6 {
            return 0.0;
        }
        return 1.0 - lev_slice(a.as_bytes(), b.as_bytes()) as f64 / n as f64;
    }
    let n = a.chars().count().max(b.chars().count());
    1.0 - levenshtein(a, b) as f64 / n as f64
}
