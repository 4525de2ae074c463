"""Plain language for one code, written from the code's own descriptor.

The text is built from what is true of the code itself: its descriptor, its brand names, the
abbreviations it spells out and the lay vocabulary the search uses (``Lexicon.plain`` and
``Lexicon.lay``). Clinical words get their everyday gloss
in parentheses; a drug reads as "brand: generic (gloss), given into a vein; billed per 500 mg".
It never repeats a category sentence and never speaks of payment or coverage, so it cannot
contradict the fee schedule shown beside it.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from codesearch.billing import billing_unit
from codesearch.enrich import Lexicon, is_drug
from codesearch.records import SYSTEM_ICD10CM, CodeRecord

#: Glosses at most per text, so the descriptor stays readable.
MAX_GLOSSES = 4
#: Words that would state a payment or coverage fact; glosses holding them are never used.
_PAYMENT_RE = re.compile(r"\b(pay|paid|payment|medicare|medicaid|covered|coverage|insurance|free)\b", re.I)
#: A term preceded by one of these is negated ("non-emergency"): its gloss would be false.
_NEGATION_RE = re.compile(r"(?:\bnon-?|\bnot |\bwithout |\bno |\bother than |\bexcept )$", re.I)
#: Characters before a term that decide whether it is negated: more than the longest negation
#: ("other than ", and a newline `$` may match before) and the character that decides its ``\b``.
_NEGATION_REACH = 16
#: How a drug is given, from descriptor words, in everyday words.
ROUTES = (
    (r"intravenous|\biv\b", "into a vein"),
    (r"subcutaneous|\bsubq\b|\bsc\b", "under the skin"),
    (r"intramuscular|\bim\b", "into a muscle"),
    (r"intrathecal", "into the spinal fluid"),
    (r"intravitreal", "into the eye"),
    (r"intra-?articular", "into a joint"),
    (r"intradermal", "into the skin"),
    (r"intravesical", "into the bladder"),
    (r"inhalation|inhaled", "breathed in"),
    (r"\boral\b|\bby mouth\b", "by mouth"),
    (r"topical", "on the skin"),
    (r"implant", "as an implant"),
)
_ROUTES = [(re.compile(p, re.I), words) for p, words in ROUTES]
_WORD_RE = re.compile(r"[a-z0-9]+")
_ROMAN_RE = re.compile(r"^[IVXL]+$")  # class IV, type II: numerals, not abbreviations
_SIDE_RE = re.compile(r"\b(?:upper|lower|left|right|front|back)\s+$", re.I)
_DRUG_LEAD_RE = re.compile(r"^(?:injection|inj)[,.]?\s+", re.I)


def _best_phrase(term: str, phrases: list[str], abbreviations: set[str]) -> str | None:
    """The most descriptive usable phrase for a term: more words first, no abbreviation in it."""
    usable = [
        p for p in phrases
        if len(p) > 3 and "(" not in p and p.lower() != term.lower() and p.lower() not in term.lower()
        and not (set(p.lower().split()) & abbreviations) and not _PAYMENT_RE.search(p)
        and len(p.split()) <= 5
    ]
    return max(usable, key=lambda p: len(p.split()), default=None)


#: Kinds of lay word that read true as a gloss of their descriptor word.
GLOSS_KINDS = frozenset({"anatomy", "condition", "symptom", "idiom"})


def _lay_pairs(lexicon: Lexicon) -> list[tuple[str, str]]:
    """(descriptor term, everyday phrase) from the lexicon's plain map and, if any, its lay words."""
    pairs = list(lexicon.plain)
    # Lay word → descriptor word (corpus/lay_words.tsv) for body parts and conditions, where the
    # everyday word names the same thing ("contusion (bruise)"); procedure, device and modifier
    # words map many ways for search ("checkup" → visit) and would gloss falsely, and combining
    # forms ("hyper-") gloss no word.
    pairs += [(row.clinical, row.lay) for row in lexicon.lay if not row.is_form and row.kind in GLOSS_KINDS]
    return pairs


def _cached(fn):
    """Memoise a function of one lexicon by identity (a Lexicon holds a dict, so is unhashable)."""
    memo: dict[int, tuple[Lexicon, object]] = {}

    def wrapper(lexicon: Lexicon):
        hit = memo.get(id(lexicon))
        if hit is None or hit[0] is not lexicon:
            if len(memo) > 8:
                memo.clear()
            hit = memo[id(lexicon)] = (lexicon, fn(lexicon))
        return hit[1]

    return wrapper


@_cached
def _glossary(lexicon: Lexicon) -> dict[str, list[tuple[str, str]]]:
    """First word of a glossed term → (term, gloss) pairs, longest term first."""
    abbreviations = {a.abbreviation.lower() for a in lexicon.abbreviations}
    phrases: dict[str, list[str]] = {}
    for term, phrase in _lay_pairs(lexicon):
        if len(term) >= 3:
            phrases.setdefault(" ".join(term.lower().split()), []).append(phrase)
    by_first: dict[str, list[tuple[str, str]]] = {}
    for term, ps in phrases.items():
        best = _best_phrase(term, ps, abbreviations)
        if best:
            by_first.setdefault(_WORD_RE.match(term).group() if _WORD_RE.match(term) else term, []).append((term, best))
    for pairs in by_first.values():
        pairs.sort(key=lambda tp: -len(tp[0]))
    return by_first


@_cached
def _abbreviations(lexicon: Lexicon) -> dict[str, str]:
    """Abbreviation (upper case) → its expansion, for abbreviations with one sense only."""
    senses: dict[str, set[str]] = {}
    for a in lexicon.abbreviations:
        senses.setdefault(a.abbreviation.upper(), set()).add(a.expansion)
    return {k: next(iter(v)) for k, v in senses.items() if len(v) == 1}


def gloss(text: str, lexicon: Lexicon, limit: int = MAX_GLOSSES) -> str:
    """``text`` with its clinical words followed by their everyday words in parentheses."""
    by_first = _glossary(lexicon)
    out: list[str] = []
    pos, used = 0, 0
    seen: set[str] = set()
    lowered = text.lower()
    skip = 0  # words of a term already explained, or inside parentheses, are left alone
    counted = opened = closed = 0  # parentheses opened and closed before `counted`
    for m in _WORD_RE.finditer(lowered):
        if used >= limit:
            break
        # Counted from the previous word on: a descriptor of 4,000 characters has 600 words.
        opened += lowered.count("(", counted, m.start())
        closed += lowered.count(")", counted, m.start())
        counted = m.start()
        if m.start() < max(pos, skip) or (m.start() and lowered[m.start() - 1] in "-'") or opened > closed:
            continue
        for term, phrase in by_first.get(m.group(), ()):
            end = m.start() + len(term)
            if lowered[m.start():end] != term or (end < len(text) and (text[end].isalnum() or text[end] == "-")):
                continue
            skip = end
            if (term in seen or _negated(text, m.start()) or phrase.lower() in lowered
                    # "upper extremity" is an arm: a gloss of "either" kind would be false after a side
                    or (" or " in phrase and _SIDE_RE.search(text[: m.start()]))):
                break
            seen.add(term)
            used += 1
            close = text.find(")", end) if text.startswith(" (", end) else -1
            if 0 < close - end <= 14:  # "pressure (cpap)" → "pressure (cpap; breathing machine ...)"
                out.append(text[pos:close] + f"; {phrase}")
                pos = close
            else:
                out.append(text[pos:end] + f" ({phrase})")
                pos = end
            break
    out.append(text[pos:])
    result = "".join(out)
    # An abbreviation the descriptor uses without spelling it out: "CT" → "CT (computed tomography)".
    expansions = _abbreviations(lexicon)

    def spell(m: re.Match) -> str:
        word = m.group()
        expansion = expansions.get(word.upper())
        if not expansion or expansion.lower() in lowered or _ROMAN_RE.match(word):
            return word
        return f"{word} ({expansion})"

    return re.sub(r"\b[A-Z][A-Z0-9]{1,5}\b", spell, result, count=2)


def _negated(text: str, end: int) -> bool:
    """Whether ``text[:end]`` ends with a negation ("non-", "without "), looking only at its end."""
    return bool(_NEGATION_RE.search(text[max(0, end - _NEGATION_REACH):end]))


def _routes(text: str) -> list[str]:
    found = []
    for pattern, words in _ROUTES:
        m = pattern.search(text)
        if m and not _negated(text, m.start()) and words not in found:
            found.append(words)
    return found


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip().rstrip(".,;")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _drug_text(record: CodeRecord, lexicon: Lexicon) -> str | None:
    """"Octagam: immune globulin (antibody treatment), given into a vein; billed per 500 mg."."""
    m = _DRUG_LEAD_RE.match(record.long)
    if not m:
        return None
    rest = record.long[m.end():]
    generic = re.split(r",|\(|\bper\b|\bfor\b", rest, maxsplit=1)[0].strip(" ,")
    if not generic or generic.lower() in {"unclassified drugs", "not otherwise classified"}:
        return None
    head = gloss(generic, lexicon, limit=2)
    brands = [b for b in record.brands if b.lower() not in generic.lower()][:3]
    text = (", ".join(brands) + ": " if brands else "") + ("a drug, " if not brands else "") + head
    routes = _routes(record.long)
    text += ", given by injection" if not routes else ", given " + " or ".join(routes)
    unit = billing_unit(record)
    if unit is not None:
        text += f"; billed per {unit}"
    return text[:1].upper() + text[1:] + "."


_MEMO: OrderedDict[tuple[int, str, str], tuple[Lexicon, str]] = OrderedDict()
_MEMO_SIZE = 50_000


def plain_language(record: CodeRecord, lexicon: Lexicon) -> str:
    """Plain words for one code, from its own descriptor, brands, abbreviations and lay words."""
    key = (id(lexicon), record.code, record.long)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is lexicon:
        return hit[1]
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.popitem(last=False)  # the oldest: one entry freed at a time, never a pause to free them all
    text = _plain_language(record, lexicon)
    _MEMO[key] = (lexicon, text)
    return text


def _plain_language(record: CodeRecord, lexicon: Lexicon) -> str:
    if record.kind == "modifier":
        return _sentence("A modifier added to a code: " + gloss(record.long, lexicon))
    if record.system == SYSTEM_ICD10CM:
        text = _sentence("A diagnosis: " + gloss(record.long, lexicon))
        # Inclusion terms only: "includes" notes of categories are instructions, not other names.
        also = [t for t in record.synonyms
                if t not in record.includes and t.lower() not in text.lower() and len(t) <= 80
                and " should " not in t][:3]
        if also:
            text += " Other names listed for it or its category: " + "; ".join(also) + "."
        return text
    if is_drug(record):
        drug = _drug_text(record, lexicon)
        if drug:
            return drug
    text = _sentence(gloss(record.long, lexicon))
    if record.brands:
        text += " Brand names: " + ", ".join(record.brands[:3]) + "."
    return text
