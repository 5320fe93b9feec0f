#!/usr/bin/env python3
"""Validate labelled.jsonl and print the counts table (category x kind x label)."""
import collections
import json
import os
import re
import sys

CATEGORIES = ["integer", "fraction-decimal", "percent", "degree", "assignment", "tuple", "interval", "set",
              "matrix", "equation", "sqrt", "pi", "symbolic", "text", "multi-answer", "extraction", "reference"]
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "labelled.jsonl")
rows, ids = [], set()
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        r = json.loads(line)
        keys = set(r)
        assert keys in ({"id", "category", "kind", "gold", "pred", "label"},
                        {"id", "category", "kind", "gold", "completion", "label"}), (n, keys)
        assert r["category"] in CATEGORIES, n
        assert re.fullmatch(re.escape(r["category"]) + r"-\d{3}", r["id"]), n
        assert r["id"] not in ids, r["id"]
        ids.add(r["id"])
        assert isinstance(r["label"], bool), n
        assert r["kind"] in ("rewrite", "edit", "reference"), n
        assert (r["kind"] == "reference") == (r["category"] == "reference"), n
        if r["kind"] == "rewrite":
            assert r["label"] is True, n
        if r["kind"] == "edit":
            assert r["label"] is False, n
        g = r["gold"]
        assert (isinstance(g, str) and g) or (isinstance(g, list) and g and all(isinstance(x, str) and x for x in g)), n
        text = r.get("pred", r.get("completion"))
        assert isinstance(text, str) and text.strip(), n
        assert "hendrycks_math_4135" not in line
        rows.append(r)

c = collections.Counter((r["category"], r["kind"], r["label"]) for r in rows)
print("| category | rewrite (true) | edit (false) | reference true | reference false | total |")
print("|---|---:|---:|---:|---:|---:|")
tot = collections.Counter()
for cat in CATEGORIES:
    cells = [c[(cat, "rewrite", True)], c[(cat, "edit", False)], c[(cat, "reference", True)], c[(cat, "reference", False)]]
    assert cells[0] + cells[2] > 0 and cells[1] + cells[3] > 0, cat  # every category has both labels
    tot.update(dict(enumerate(cells)))
    print("| %s | %d | %d | %d | %d | %d |" % (cat, *cells, sum(cells)))
print("| **all** | %d | %d | %d | %d | **%d** |" % (tot[0], tot[1], tot[2], tot[3], sum(tot.values())))
print("\nlabel true: %d, label false: %d" % (tot[0] + tot[2], tot[1] + tot[3]))
n_pred = sum("pred" in r for r in rows)
print("\nrows with pred: %d, with completion: %d; gold lists: %d" %
      (n_pred, len(rows) - n_pred, sum(isinstance(r["gold"], list) for r in rows)))
