"""Worst-case requests of the NLM-compatible endpoints (and /api/search), timed in-process.

Each request runs in a fresh process over a built index, after a warm-up on unrelated queries
(the one-time start of a worker: lazy expander and word tables), so that "first" is the
request's own cold cost (none of its words' postings or typo corrections memoised yet) and
"slowest repeat" its cost once warm. Prints the Markdown table of docs/benchmarks.md.

    .venv/bin/python benchmarks/ctss_worst.py [INDEX_DIR]
"""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

HCPCS, ICD = "/api/hcpcs/v3/search", "/api/icd10cm/v3/search"
ARM_50 = " ".join(["arm"] * 50)
TWO_LETTER_WORDS = " ".join(f"{a}{b}" for a in "abcdefghijklmnopqrstuvwxyz" for b in "aeiou")[:200].rsplit(" ", 1)[0]
MISSPELT = " ".join([
    "octagan", "keytrudda", "pembrolizumob", "wheelchiar", "injectoin", "diabetis", "hypertensoin", "fractre",
    "ambulanse", "oxygne", "nebulizr", "catheterr", "infusoin", "glucoze", "insulinn", "syring", "dialysys",
    "prosthetc", "orthotc", "immunne", "globulinn", "antibodi", "vaccinne",
])[:200].rsplit(" ", 1)[0]
LONG_WORD = "abcdefghijklmnopqrstuvwxyz" * 7
Q_HCPCS = " OR ".join(f"long_desc:{c}*" for c in "abcdeimpst")
Q_ICD = " OR ".join(f"name:{c}*" for c in "abcdeimpstwor")
ALL_HCPCS_FIELDS = "code,display,short_desc,long_desc,add_dt,act_eff_dt,term_dt,obsolete,is_noc"

CASES = [
    ("HCPCS `arm` x50, maxList=500", f"{HCPCS}?terms={quote(ARM_50)}&maxList=500"),
    ("ICD-10-CM `arm` x50, maxList=500", f"{ICD}?terms={quote(ARM_50)}&maxList=500"),
    ("HCPCS 66 two-letter words, maxList=", f"{HCPCS}?terms={quote(TWO_LETTER_WORDS)}&maxList="),
    ("ICD-10-CM 66 two-letter words, maxList=", f"{ICD}?terms={quote(TWO_LETTER_WORDS)}&maxList="),
    ("HCPCS 23 misspelt words, maxList=", f"{HCPCS}?terms={quote(MISSPELT)}&maxList="),
    ("ICD-10-CM 23 misspelt words, maxList=", f"{ICD}?terms={quote(MISSPELT)}&maxList="),
    ("ICD-10-CM one 182-letter word", f"{ICD}?terms={LONG_WORD}&maxList="),
    ("ICD-10-CM `a`, count=500 offset=7000", f"{ICD}?terms=a&count=500&offset=7000"),
    ("ICD-10-CM `S`, sf=code, maxList=", f"{ICD}?terms=S&sf=code&maxList="),
    ("HCPCS `a`, every field in df and ef, maxList=",
     f"{HCPCS}?terms=a&maxList=&df={ALL_HCPCS_FIELDS}&ef={ALL_HCPCS_FIELDS}"),
    ("HCPCS q: 10 prefix clauses OR'd", f"{HCPCS}?terms=a&maxList=&q={quote(Q_HCPCS)}"),
    ("ICD-10-CM q: 13 prefix clauses OR'd", f"{ICD}?terms=a&maxList=&q={quote(Q_ICD)}"),
    ("ICD-10-CM q: phrase AND code prefix", f"{ICD}?terms=fracture&maxList=&q="
     + quote('name:"of right femur" AND code:S72*')),
    ("HCPCS suggest=1, 23 misspelt words", f"{HCPCS}?suggest=1&field_val={quote(MISSPELT)}"),
    ("/api/search `arm` x50, limit=50", f"/api/search?q={quote(ARM_50)}&limit=50"),
    ("/api/search 66 two-letter words, limit=50", f"/api/search?q={quote(TWO_LETTER_WORDS)}&limit=50"),
]

CHILD = r'''
import json, sys, time
from codesearch.web import create_app

client = create_app({"CODESEARCH_INDEX_DIR": sys.argv[2], "TESTING": True}).test_client()
for url in ("/api/hcpcs/v3/search?terms=zz", "/api/icd10cm/v3/search?terms=zz", "/api/search?q=zz"):
    client.get(url)
t = time.perf_counter()
r = client.get(sys.argv[1])
first = (time.perf_counter() - t) * 1000
repeats = []
for _ in range(5):
    t = time.perf_counter()
    client.get(sys.argv[1])
    repeats.append((time.perf_counter() - t) * 1000)
body = r.get_json()
total = body["total"] if isinstance(body, dict) else body[0] if isinstance(body[0], int) else len(body[0])
print(json.dumps([r.status_code, total, first, max(repeats)]))
'''


def main(index_dir: str) -> None:
    print("| request | status | total | first (ms) | slowest of 5 repeats (ms) |")
    print("|---|---:|---:|---:|---:|")
    worst = 0.0
    for name, url in CASES:
        out = subprocess.run([sys.executable, "-c", CHILD, url, index_dir], capture_output=True, text=True,
                             check=True).stdout
        status, total, first, repeat = json.loads(out.strip().splitlines()[-1])
        worst = max(worst, first, repeat)
        print(f"| {name} | {status} | {total} | {first:.0f} | {repeat:.0f} |")
    print(f"\nSlowest: {worst:.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "index")
