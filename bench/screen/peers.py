#!/usr/bin/env python3
"""Peers on the same cases as `cargo run --release -p kean-screen --example eval`.

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install rapidfuzz nomenklatura
    /tmp/peers/bin/python bench/screen/peers.py [--shared ../shared]   # from the repo root

Prints, for the nomenklatura name bench: rapidfuzz token_set_ratio (threshold 0.9, and its best
threshold) and OpenSanctions nomenklatura logic-v2 (threshold 0.7); and for kean's generated
Chinese<->Latin set (crates/kean-screen/eval/cn_latin_eval.csv): recall and false-positive rate of
a rapidfuzz token_set_ratio brute force over every listed name (no index), and nomenklatura
logic-v2 scored against the expected entry's names (given the right candidate for free) and, for
negatives, against rapidfuzz's best candidate; the same two on kean's hand-written Chinese
institution names (crates/kean-screen/eval/cn_institutions_eval.csv, issue 13).
"""
import argparse
import csv
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

from rapidfuzz import fuzz, process, utils

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_names(lists_dir):
    """(list:id) -> [names] for the four lists, ids as kean-screen makes them."""
    names = {}
    with open(os.path.join(lists_dir, "ofac_sdn_2024-05-03.csv"), encoding="latin-1") as f:
        for row in csv.reader(f):
            if len(row) != 12:
                continue
            ns = [row[1].strip()]
            rem = row[11]
            for marker in ("a.k.a. '", "f.k.a. '", "n.k.a. '"):
                start = 0
                while True:
                    i = rem.find(marker, start)
                    if i < 0:
                        break
                    j = i + len(marker)
                    k = j
                    while k < len(rem):
                        if rem[k] == "'" and (k + 1 == len(rem) or rem[k + 1] in ";" or (rem[k + 1] == "." and (k + 2 == len(rem) or rem[k + 2] == " "))):
                            break
                        k += 1
                    ns.append(rem[j:k].strip())
                    start = k
            names["OFAC-SDN:" + row[0].strip()] = ns
    # BIS: kean-screen's id is BIS- + FNV-1a of "name|first address" (48 bits, hex)
    with open(os.path.join(lists_dir, "us_bis_entity_list_2025-11-08.json")) as f:
        for e in json.load(f)["entities"]:
            ns = [e["name"].strip()] + [a.strip() for s in e["alternateNames"] for a in s.split("; ") if a.strip()]
            first = e["addresses"][0].split("; ")[0] if e["addresses"] else ""
            h = 0xCBF29CE484222325
            for b in f'{e["name"].strip()}|{first}'.encode():
                h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
            key = f"US-BIS-EL:BIS-{h & 0xFFFFFFFFFFFF:012x}"
            k, n = key, 2
            while k in names:
                k, n = f"{key}-{n}", n + 1
            names[k] = ns
    root = ET.parse(os.path.join(lists_dir, "un_consolidated_2025-11-20.xml")).getroot()
    for tag in ("INDIVIDUAL", "ENTITY"):
        for el in root.iter(tag):
            parts = [(el.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
            ns = [" ".join(" ".join(p.split()) for p in parts if p)]
            ns += [(a.findtext("ALIAS_NAME") or "").strip() for a in el.iter(tag + "_ALIAS")]
            ns += [(x.text or "").strip() for x in el.iter("NAME_ORIGINAL_SCRIPT")]
            rid = (el.findtext("REFERENCE_NUMBER") or el.findtext("DATAID") or "").strip()
            names["UN-SC:" + rid] = [n for n in ns if n]
    with open(os.path.join(lists_dir, "cn_lists_flat.csv"), encoding="utf-8") as f:
        seen = set()
        for row in csv.DictReader(f):
            zh = row["name_zh"].strip() or row["name_en"].strip()
            key = f'{row["list_dir"].strip()}:{row["publish_date"].strip()}:{zh}'
            k, n = key, 2
            while k in seen:
                k, n = f"{key}#{n}", n + 1
            seen.add(k)
            names["CN:" + k] = [x for x in (zh, row["name_en"].strip()) if x]
    return names


def f1(tp, fp, fn):
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = ap.parse_args()
    data = os.path.join(args.shared, "data")
    try:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm
        from nomenklatura.matching.types import ScoringConfig

        logic = get_algorithm("logic-v2")
        cfg = ScoringConfig.defaults()
    except Exception as e:  # pragma: no cover
        print("nomenklatura unavailable:", e)
        logic = None

    counter = [0]

    def nk(schema, a, b):
        # unique ids: the matcher caches per entity id
        counter[0] += 1
        qa = model.make_entity(schema)
        qa.id = f"q{counter[0]}"
        qa.add("name", a)
        qb = model.make_entity(schema)
        qb.id = f"r{counter[0]}"
        qb.add("name", b)
        return logic.compare(qa, qb, cfg).score

    rows = list(csv.DictReader(open(os.path.join(data, "eval", "nomenklatura_name_bench_cases.csv"))))
    t = time.time()
    rf = [(fuzz.token_set_ratio(r["name1"], r["name2"], processor=utils.default_process) / 100, r["is_match"] == "true") for r in rows]
    rf_us = (time.time() - t) / len(rows) * 1e6

    def at(scored, th):
        tp = sum(1 for s, m in scored if s >= th and m)
        fp = sum(1 for s, m in scored if s >= th and not m)
        fn = sum(1 for s, m in scored if s < th and m)
        return f1(tp, fp, fn)

    best = max((at(rf, th / 100)[0], th / 100) for th in range(50, 100))
    f, p, r = at(rf, 0.9)
    print(f"nomenklatura bench, rapidfuzz token_set_ratio @0.90: F1 {f:.3} P {p:.3} R {r:.3} ({rf_us:.1} us/pair); best F1 {best[0]:.3} @ {best[1]:.2}")
    if logic:
        t = time.time()
        schema = {"Company": "Company", "Organization": "Organization", "LegalEntity": "LegalEntity", "Vessel": "Vessel"}
        lv = [(nk(schema.get(r["schema"], "Person"), r["name1"], r["name2"]), r["is_match"] == "true") for r in rows]
        us = (time.time() - t) / len(rows) * 1e6
        f, p, r = at(lv, 0.7)
        print(f"nomenklatura bench, nomenklatura logic-v2 @0.70: F1 {f:.3} P {p:.3} R {r:.3} ({us:.0} us/pair)")

    names = load_names(os.path.join(data, "lists"))
    flat, owner = [], []
    for k, ns in names.items():
        for n in ns:
            flat.append(n)
            owner.append(k)
    cases = list(csv.DictReader(open(os.path.join(ROOT, "crates", "kean-screen", "eval", "cn_latin_eval.csv"), encoding="utf-8")))
    # BIS expected ids are hashes; map them through the names the kean eval resolved them from:
    # a positive counts for the peer if its best candidate shares an expected entry's name.
    pos = neg = pos_ok = neg_fp = 0
    nk_pos_ok = nk_neg_fp = 0
    t = time.time()
    for c in cases:
        q = c["query"]
        best = process.extractOne(q, flat, scorer=fuzz.token_set_ratio, processor=utils.default_process)
        score = best[1] / 100 if best else 0.0
        cand = owner[best[2]] if best else None
        expected = [e for e in c["expected"].split(";") if e]
        exp_names = set()
        for e in expected:
            if e in names:
                exp_names.update(names[e])
        if c["label"] == "match":
            pos += 1
            ok = score >= 0.9 and cand is not None and (cand in expected or set(names[cand]) & exp_names)
            pos_ok += bool(ok)
            if logic and exp_names:
                s = max(nk("LegalEntity", q, n) for n in exp_names)
                nk_pos_ok += s >= 0.7
        else:
            neg += 1
            neg_fp += score >= 0.9
            if logic and cand is not None:
                nk_neg_fp += max(nk("LegalEntity", q, n) for n in names[cand]) >= 0.7
    dt = (time.time() - t) / max(len(cases), 1) * 1e3
    print(f"Chinese<->Latin set ({pos} positives, {neg} negatives), rapidfuzz token_set_ratio brute force @0.90: recall {pos_ok / max(pos, 1):.3}, FPR {neg_fp / max(neg, 1):.3} ({dt:.1} ms/query over {len(flat)} names)")
    if logic:
        print(f"Chinese<->Latin set, nomenklatura logic-v2 @0.70 given the expected entry: recall {nk_pos_ok / max(pos, 1):.3}; FPR on rapidfuzz's best candidate {nk_neg_fp / max(neg, 1):.3}")

    # issue 13: kean's hand-written Chinese institution names (eval/cn_institutions_eval.csv)
    inst = list(csv.DictReader(open(os.path.join(ROOT, "crates", "kean-screen", "eval", "cn_institutions_eval.csv"), encoding="utf-8")))
    by_primary = {}
    for k, ns in names.items():
        if ns:
            by_primary.setdefault(ns[0], []).append(k)
    pos = neg = pos_ok = neg_fp = nk_pos_ok = nk_neg_fp = 0
    t = time.time()
    for c in inst:
        q = c["query"]
        best = process.extractOne(q, flat, scorer=fuzz.token_set_ratio, processor=utils.default_process)
        score = best[1] / 100 if best else 0.0
        cand = owner[best[2]] if best else None
        if c["label"] == "match":
            pos += 1
            keys = by_primary.get(c["expected_entry_name"], [])
            pos_ok += bool(score >= 0.9 and cand in keys)
            if logic and keys:
                s = max(nk("Organization", q, n) for k in keys for n in names[k])
                nk_pos_ok += s >= 0.7
        else:
            neg += 1
            neg_fp += score >= 0.9
            if logic and cand is not None:
                nk_neg_fp += max(nk("Organization", q, n) for n in names[cand]) >= 0.7
    dt = (time.time() - t) / max(len(inst), 1) * 1e3
    print(f"Chinese institutions set ({pos} positives, {neg} negatives), rapidfuzz token_set_ratio brute force @0.90: recall {pos_ok / max(pos, 1):.3}, FPR {neg_fp / max(neg, 1):.3} ({dt:.1} ms/query)")
    if logic:
        print(f"Chinese institutions set, nomenklatura logic-v2 @0.70 given the expected entry: recall {nk_pos_ok / max(pos, 1):.3}; FPR on rapidfuzz's best candidate {nk_neg_fp / max(neg, 1):.3}")


if __name__ == "__main__":
    sys.exit(main())
