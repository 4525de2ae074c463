"""The ranking policy: every weight and prior, named and explained, in one place.

Like Whoosh's ``scoring.py``, this module holds the numbers; :mod:`codesearch.expand` turns a
query into weighted alternatives with them and :mod:`codesearch.search` applies them. A word
query's results are ordered by a tuple, compared left to right (:func:`word_sort_keys`):

1. active codes before terminated ones;
2. codes before two-letter modifiers (a modifier never tops a word query; typed, it is a code);
3. codes matching more parts of the query's subject first (the parts before "for"; the
   qualifying parts after it only add to the score, :data:`QUALIFIER_WEIGHT`); a part a code
   matches only in words its descriptor negates ("without esophagitis") is not matched
   (:data:`NEGATED_CLAUSE_RE`);
4. codes of the system the query is about first, when no system was chosen (:func:`system_intent`);
5. an ICD-10-CM injury's initial encounter before its subsequent encounters and sequelae (a query
   saying "subsequent" or "sequela" matches those in more parts, so step 3 puts them first);
6. the score: per part of the query, its best match — BM25F in one field (:data:`FIELD_BOOSTS`)
   × the alternative's expansion weight; a word repeated in several fields or reached through
   several alternatives counts once (summing them favoured codes whose inclusion terms repeat
   the descriptor: tuning hit@1 0.902 → 0.920) — × the head prior (:data:`HEAD_BOOST`), summed
   over the parts, × the document prior (:func:`document_prior`, accessory prior included);
7. code order, so equal results always come back the same way.

A bare code family ("J15") lists its codes in code order, one system after the other
(:func:`family_system_order`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

# -- BM25F field weights ----------------------------------------------------------------------
#: Brand names and abbreviations are precise signals; descriptors carry the meaning (the short
#: one a little more, being what a code is called); ICD-10-CM inclusion terms are synonyms the
#: tabular list itself gives; plain-language text is broad, so it counts least, and the
#: category (section, block, BETOS) only adds to a score, never satisfies a query part.
FIELD_BOOSTS: dict[str, float] = {
    "brand": 6.0,
    "abbrev": 6.0,
    "short": 2.0,
    "long": 1.5,
    "synonyms": 1.2,
    "category": 0.4,
    "plain": 0.5,
}

# -- expansion weights: how much an alternative counts next to the word as typed (1.0) ------------
#: A clinical term a single everyday word of the plain-language lexicon stands for ("shot" →
#: injection): a guess.
PLAIN_WORD_WEIGHT = 0.7
#: A clinical term a whole everyday phrase of the plain-language lexicon stands for ("sleep
#: apnea machine"): a surer guess.
PLAIN_PHRASE_WEIGHT = 0.9
#: A typo correction, by edit distance: one edit is likelier meant than two.
TYPO_WEIGHTS: dict[int, float] = {1: 0.9, 2: 0.75}
#: A correction further off than that, found because it sounds like the word typed ("sirosis"
#: → cirrhosis, three edits): only sought when no word is within the typo allowance.
SOUND_ALIKE_WEIGHT = 0.75
#: Completions of an unfinished last word: brand names are what people start typing most.
PREFIX_BRAND_WEIGHT = 0.8
PREFIX_WORD_WEIGHT = 0.6
#: A brand the crosswalk bills one edit from a misspelled word is read instead of the other
#: words as near, unless one of them is said by this many codes or more ("atian": Ativan, not
#: "asian", said by 14; "syndroe": syndrome, said by 1,056, not Syndros).
TYPO_BRAND_OVER_WORD = 50
# -- lay vocabulary (corpus/lay_words.tsv); weights relative to a typed word's 1.0 ----------
#: A lay word's descriptor word ("belly" → abdominal): a little below the word as typed, so a
#: code with the typed word itself still comes first among codes matching as many parts.
LAY_WORD_WEIGHT = 0.8
#: A 2-3-word lay phrase or idiom's descriptor term ("blood thinner" → anticoagulant), like a
#: plain-language phrase: the phrase is specific, so its meaning counts nearly as typed.
LAY_PHRASE_WEIGHT = 0.9
#: A descriptor word built from combining forms of two query parts ("kidney" + "stone" →
#: nephrolithiasis). It is added to both parts with a lay word's weight, so one descriptor word
#: that means both parts counts as the two lay words would, and a code saying the words as typed
#: is not outweighed by every short composed one ("skin infection": L08.9 "Local infection of
#: the skin …" among the first five, with the dermatitis codes composed from skin → -derm- and
#: infection → -itis, rather than below them all).
LAY_FORM_WEIGHT = LAY_WORD_WEIGHT
#: Descriptor words kept per pair of combining forms, fewest letters beyond the forms first
#: ("hepat" + "itis": hepatitis 0, steatohepatitis 5), the most extra letters allowed, and how
#: many more than the best word's a kept word may have ("hemat" + "uria": hematuria 0 is kept,
#: hemoglobinuria 6 is not).
MAX_FORM_WORDS = 2
MAX_FORM_LEFTOVER = 8
FORM_LEFTOVER_MARGIN = 3
#: A word-final form may be followed by this many letters ("-emia" in "hyperkalemic").
FORM_END_SLACK = 2
#: An abbreviation's most frequent sense, searched in the descriptors, weighs this much; each
#: other sense weighs it times its frequency relative to the most frequent one (the
#: meta-inventory's share of clinical-note uses), so "CP" reads as chest pain before cerebral
#: palsy, and a sense no code of the searched system spells out adds nothing.
ABBREVIATION_SENSE_WEIGHT = 1.2
#: Where a sense is searched: the long descriptor and inclusion terms. Not the short descriptor,
#: which for ICD-10-CM repeats the long one (a sense would count twice there) and for HCPCS is
#: CMS's own abbreviation of it.
SENSE_FIELDS = ("long", "synonyms")
#: The abbreviation itself in the ``abbrev`` field (the codes enrichment tagged with it, also
#: where a sense's words are spread over several fields), shared among its senses. Small: every
#: tagged code scores alike there, so the senses' descriptor matches decide the order.
ABBREVIATION_FIELD_WEIGHT = 0.3
#: A code whose title or inclusion term names the sense exactly (I10 "hypertension", G45.9
#: "TIA", R07.9 "Chest pain, unspecified"; see :func:`codesearch.enrich.sense_token`) comes
#: before codes that only mention the sense's words among others. Scaled like the sense, and by
#: the sense's number of words: the named token stands for all of them, so a code that names
#: "congestive heart failure" (I50.9's inclusion term) outranks one whose descriptor holds the
#: three words among others (I50.20 "Unspecified systolic (congestive) heart failure").
ABBREVIATION_NAMED_WEIGHT = 5.0
#: A sense's words the lay vocabulary maps to one descriptor word of these kinds are also searched
#: in that word ("gastrointestinal bleed" → "gastrointestinal hemorrhage"), weighted like a lay
#: word (:data:`LAY_WORD_WEIGHT`) times the sense's weight.
SENSE_BRIDGE_KINDS = frozenset({"anatomy", "condition", "symptom"})
#: A sense of three or more words is also searched without its first word, at this share of the
#: sense's weight (:func:`codesearch.expand.sense_head`): codes that name the condition by its
#: broader kind ("h/o DVT": Z86.718 "Personal history of other venous thrombosis") match it too.
SENSE_HEAD_SHARE = 0.5
#: Abbreviations an unfinished last word completes to (shortest first), and their weight.
MAX_ABBREVIATION_COMPLETIONS = 4
ABBREVIATION_COMPLETION_WEIGHT = 0.6
# -- acronyms read from the code texts (expand.acronym_table) ----------------------------------
#: An acronym the abbreviation map does not know ("RLS") stands for a phrase of the ICD-10-CM
#: texts whose words' initials it spells (restless legs syndrome). Each phrase scores the
#: number of distinct descriptor and inclusion-term segments holding it, counting this much
#: when the phrase is a whole term (the segment, or its head before "of", "with", ...) ...
ACRONYM_TERM_BONUS = 4.0
#: ... and this much when its initials skip a function word ("maternal care for
#: isoimmunization") or include one ("retinopathy of prematurity" as ROP): a weaker reading.
ACRONYM_SKIP_PENALTY = 0.25
#: ... and this much when its initials split a compound word into its parts ("sensorineural
#: hearing loss" as SNHL; see :func:`codesearch.expand.compound_initials`): a second reading.
ACRONYM_COMPOUND_PENALTY = 0.5
#: Phrases kept per acronym, best first, and the least score a kept phrase must have.
MAX_ACRONYM_SENSES = 3
ACRONYM_MIN_SCORE = 1.0
#: The best phrase weighs this much next to a typed word; the others by their score relative
#: to it. Below an inventory sense (1.2): a guess from letters, not a clinician's usage.
ACRONYM_WEIGHT = 1.0
#: When the abbreviation map knows the acronym, its senses come first and the phrases read
#: from the code texts follow at this share of their weight ("MG": milligram, magnesium, then
#: myasthenia gravis).
ACRONYM_AFTER_INVENTORY = 0.5
#: A side or history shorthand of :data:`codesearch.expand.QUALIFIER_SHORTHAND` ("R hip" →
#: right) counts as the word typed: the shorthand is standard and unambiguous beside other words.
QUALIFIER_SHORTHAND_WEIGHT = 1.0
#: A code family named beside words ("J15 immune") counts like a strong word match.
CODE_PREFIX_SCORE = 5.0

# -- document priors: what people usually want among equally matching codes -------------------
#: ICD-10-CM: a general code before its subcodes (I10 before I27.20 for "hypertension"); the
#: prior grows by this much per character a code is shorter than the full seven.
ICD_GENERAL_STEP = 0.1
ICD_FULL_LENGTH = 7
#: ICD-10-CM: the code a coder picks when nothing more is said — its category's default — counts
#: this much more: the descriptor says it adds nothing ("Gout, unspecified", "Zoster without
#: complications", "Unspecified asthma, uncomplicated", "Migraine, unspecified, not intractable,
#: without status migrainosus"; :data:`ICD_DEFAULT_RE`) and names no variant (:data:`ICD_VARIANT_RE`).
ICD_UNSPECIFIED = 1.15
#: Words by which an ICD-10-CM descriptor says it is the default of its category.
ICD_DEFAULT_RE = re.compile(r"\b(?:unspecified|without|uncomplicated|not intractable|not specified|nos"
                            # leukemias and myelomas: the tabular list's default when remission is not documented
                            r"|not having achieved remission"
                            # poisonings and toxic effects: the guidelines' default when no intent is documented
                            r"|accidental)\b")
#: Words by which it names a variant even when it also says "unspecified": a complication or
#: manifestation ("with unspecified complications", "with diabetic neuropathy, unspecified"),
#: an "other" code, an intractable or open form ("intractable", "open fracture").
ICD_VARIANT_RE = re.compile(r"\bwith\b(?: other\b)?|\bother\b|(?<!not )\bintractable\b|\bopen fracture\b"
                            r"|\bin remission\b|\bin relapse\b"
                            # an intent the query would have named
                            r"|\bintentional self-harm\b|\bassault\b|\bundetermined\b"
                            # a cause the query would have named ("Lead-induced gout", "… due to renal impairment")
                            r"|-induced\b|(?<!not )\bdue to\b"
                            # a fracture is traumatic unless said otherwise
                            r"|(?<!current )\bpathological fracture\b"
                            )
#: The condition in a context the query would have named: pregnancy, childbirth, a newborn. Such a
#: code is for another population, as a measurement code reports on a condition it is not: its
#: default prior is multiplied by :data:`ICD_CONTEXT`, so "sugar diabetes" lists E11.9 before
#: O24.92 "Unspecified diabetes mellitus in childbirth", whose short title BM25 favours. The
#: codes of the context keep their order among themselves ("diabetes in pregnancy": O24.919
#: first), and a query naming the context matches them in more parts.
ICD_CONTEXT_RE = re.compile(r"\b(?:maternal|pregnancy|trimester|childbirth|puerperium|newborn|neonatal|perinatal)\b")
ICD_CONTEXT = 0.6  # the measurement prior's weight (MEASUREMENT, below)
#: The chapters of pregnancy, childbirth and the puerperium (O) and of the perinatal period (P):
#: every code of theirs is of that context, whether or not its descriptor says one of the words
#: (O86.00 "Infection of obstetric surgical wound", P13.4 "Fracture of clavicle due to birth
#: injury" for "broken collarbone"), and takes :data:`ICD_CONTEXT` once.
ICD_CONTEXT_CHAPTERS = ("O", "P")
#: "Unspecified" said of the descriptor's first clause, its subject ("Migraine, unspecified, …",
#: "Unspecified asthma, …"), marks the category's own default rather than a subtype's
#: ("Ophthalmoplegic migraine, not intractable"): it counts as one more default word.
ICD_CATEGORY_DEFAULT_RE = re.compile(r"^unspecified\b|^(?:(?!\bwith\b)[^,])*, unspecified\b")
#: A variant's prior, beside a default's :data:`ICD_UNSPECIFIED` and a neutral code's 1. One step
#: below the neutral (1/1.15, so "Nephrotic syndrome with unspecified morphologic changes" comes
#: before its variants) was tried on 2026-12-04 and left out: read splits 35 better / 18 worse
#: by rank, blind 12 / 25, and "flu with fever", "rash from antibiotics" lost their answers (a
#: cause's "due to" is a variant the query names).
ICD_VARIANT = 1.0
#: Default words counted at most.
ICD_DEFAULT_MAX = 3
#: ICD-10-CM: 7th characters other than A/B (initial encounter) are later encounters or sequelae.
ICD_LATER_ENCOUNTER = 0.85
#: ICD-10-CM's external causes (chapter 20, :data:`EXTERNAL_CAUSE_LETTERS`) say how an injury
#: happened and are, by the coding guidelines, never the first-listed code: they go with the
#: injury or condition code. Among equal matches they come after the codes of the other
#: chapters, so a word they share with a condition or a service does not put them first ("van
#: ride to dialysis": A0130, not "Car driver injured in collision with pick-up truck or van";
#: "whiplash MVC": S13.4XXA before the collision's code); a query only they answer ("fall from
#: ladder", "bitten by dog") still lists them first. Chosen on the read splits and probe lists
#: (0.8, 0.6, 0.5: 0.6 moved 8 queries up; the `external_causes` probe, queries for the cause
#: itself written before the weight was chosen, lost 2 of 14 at 0.8 and 0.6 alike).
ICD_EXTERNAL_CAUSE = 0.6
ICD_INITIAL_ENCOUNTER = "AB"
#: The ICD-10-CM priors above order siblings; across systems they would be a bias (a HCPCS
#: code's prior is 1), so every ICD-10-CM prior is divided by their mean over the codes a search
#: lists (initial encounters and codes without a 7th character: 1.19), and a query searched in
#: every system is decided by what its words matched. Within ICD-10-CM the order is unchanged.
ICD_SYSTEM_SCALE = 1.2
#: A HCPCS measurement code (:func:`is_measurement`: "Documentation of medical reason(s) for
#: prescribing antibiotic (e.g., … acute sinusitis, …)") reports that care was given for a
#: quality program; its sentence names conditions it is not, so it ranks below codes that are
#: the thing named (a query naming the measure still finds it: its words are all there).
MEASUREMENT = 0.6
#: An accessory, replacement part or supply *for* an item ranks below the item itself: "replacement
#: battery for external infusion pump" below the pump, "Addition to lower extremity, below knee, …"
#: below the prosthesis. Told from the descriptor's structure: its
#: head (the words before "for …", "used with …") is an accessory noun, or it says it serves
#: another item ("for use with", "replacement only").
ACCESSORY = 0.75
#: HCPCS sections of temporary codes for one payer or setting: S, private insurers, not payable by
#: Medicare, often bundling what national codes bill apart ("home infusion therapy, all supplies
#: … for a PICC line insertion"); C, hospital outpatient departments only (OPPS: C9257
#: "Injection, bevacizumab, 0.25 mg", the eye dose, beside J9035 "Injection, bevacizumab, 10 mg";
#: C9779 colorectal cancer screening beside G0105). Among equal matches the code every setting
#: bills comes first, as an item comes before its accessory; a query only a temporary code
#: answers still finds it (C1751 for a PICC catheter). C chosen on the read splits and probe
#: lists (0.85, 0.75, 0.6 tried: 8, 10, 10 better, none worse); T and H (state Medicaid) did not
#: help (1 / 1 and 1 / 0) and are left out.
TEMPORARY_SECTIONS = frozenset({"S", "C"})
TEMPORARY = ACCESSORY
#: A HCPCS code listed in Medicare's coverage manuals (the file's CIM and MCM columns: the Coverage
#: Issues Manual, now the National Coverage Determinations manual, and the Carriers Manual) is
#: an item or drug national policy was written for, the established one of its family: among
#: equal matches it counts this much more. E0110 crutches (CIM 60-9) before E0118 "Crutch
#: substitute", E0935 the knee's CPM device before E0936 "other than knee", E0600 the suction
#: pump before K0743 "Portable home suction pump", J2405 ondansetron injection (MCM 2049) before
#: the oral Q0162. A fact of the HCPCS file, not a word list; it says what the item-age prior
#: (ADD DT, reverted) tried to say, but marks the established codes rather than grading every
#: code by its year. Chosen on the read splits and probe lists: a boost of 1.1 / 1.18 / 1.3
#: moved 52 / 11, 55 / 17, 63 / 30 queries better / worse; as a penalty of 0.85 on the codes
#: without a reference instead, 55 / 21 (it also lowers most HCPCS codes in the system intent).
MANUAL_REFERENCED = 1.1
#: An item made in a special size — heavy duty, extra wide, bariatric, pediatric, youth — ranks
#: below the standard item among codes matching the same words, as ICD-10-CM's unspecified code
#: comes before the specific ones: "rolling walker" lists E0141/E0143 before E0149 "heavy duty",
#: a hospital bed E0250… before the pediatric E0328. A query naming the size ("bariatric
#: wheelchair", "child's hospital bed") matches more of that code's words and finds it first.
SPECIAL_SIZE = 0.85
SPECIAL_SIZE_RE = re.compile(r"\bheavy[ -]duty\b|\bextra[ -]wide\b|\bextra heavy\b|\bbariatric\b|\bpediatric\b|\byouth\b")
ACCESSORY_HEADS = frozenset({"accessori", "replac", "repl", "suppli", "holder", "batteri", "charger", "attach", "addit"})
#: Phrases by which a descriptor says it serves another item.
ACCESSORY_PHRASES = ("for use with", "used with", "replacement only")
#: Words after which a descriptor stops naming its subject and starts qualifying it
#: ("Fracture | of neck of femur", "Replacement battery | for infusion pump").
HEAD_STOP_WORDS = frozenset({
    "for", "with", "without", "used", "use", "due", "in", "of", "by", "including", "includes",
    "except", "when", "other", "on", "to", "from", "at",
})
#: How many words of a descriptor's head count as what the code is about.
HEAD_WORDS = 4
#: A query part found in a code's head ("Hyperglycemia, unspecified" for "hyperglycemia") counts
#: this much more than the same part found only further on ("diabetes … with hyperglycemia").
HEAD_BOOST = 1.3

#: ICD-10-CM: a code whose subject (:func:`subject_text`) the query names whole, every stem of it
#: among the stems the query's words and their alternatives search, is the condition itself
#: rather than a kind of it: "sepsis" lists A41.9 "Sepsis, unspecified organism" before A40.9
#: "Streptococcal sepsis, unspecified", "shingles" (zoster) B02.9 "Zoster without
#: complications" before B02.30 "Zoster ocular disease, unspecified".
ICD_SUBJECT = 1.2
#: HCPCS: a code whose whole descriptor, less :data:`HCPCS_SUBJECT_NEUTRAL`, the query names is
#: the item itself and nothing more: "wheelchair" lists K0001 "Standard wheelchair" before E1088
#: "High strength lightweight wheelchair, detachable arms, …", "iv pole" E0776 "Iv pole". A
#: descriptor saying anything more (a form, a dose, a kind) is no such code.
HCPCS_SUBJECT = ICD_SUBJECT
#: Words no HCPCS descriptor needs the query to name for that: "standard" is what an item is when
#: nothing more is said; "each", "any type", "pair" say how it is billed.
HCPCS_SUBJECT_NEUTRAL = frozenset({"standard", "each", "any", "type", "pair", "per"})
#: A HCPCS descriptor longer than this many stems (less the neutral ones) names more than an item.
HCPCS_SUBJECT_WORDS = 4
#: ICD-10-CM: a code one of whose inclusion terms says it is what a term means when nothing more
#: is said — "Eczema NOS" (L30.9 "Dermatitis, unspecified"), "Vertigo NOS" (R42 "Dizziness and
#: giddiness"), "Bursitis NOS" (M71.9 "Bursopathy, unspecified") — when the query says that term
#: and no more (:func:`inclusion_terms`): the tabular list's own answer to which code a bare term is.
#: The term counts as the code's title would: the short descriptor's weight over the inclusion
#: terms', times the head and subject priors a title naming the query gets (2.6), so M71.9 comes
#: before M70.10 "Bursitis, unspecified hand". A category's "NOS" term holds for its subcodes,
#: among which the default prior picks. Any other inclusion term the query says whole names its
#: code the same way ("hypertension (arterial) (benign) …", bracketed words being, by the
#: tabular's convention, ones that may be absent: I10 for "hypertension", not I15.9 "Secondary
#: hypertension, unspecified"), after the "NOS" terms: a code is named by a term saying NOS when
#: one is, and by another inclusion term only when none is (:func:`inclusion_terms`).
ICD_NOS = FIELD_BOOSTS["short"] / FIELD_BOOSTS["synonyms"] * HEAD_BOOST * ICD_SUBJECT
#: Words for a side of the body. A term without one still names its code for a query saying one:
#: "right ankle sprain" is "Sprain of ankle NOS" (S93.40-), on the right — the side is the
#: descriptor's to match, as for any word ("sprain of right foot", S93.601A, had come first: its
#: "ankle" from the category's inclusion terms, its "unspecified" the default prior).
SIDE_WORDS = frozenset({"right", "left", "bilateral", "unilateral", "sided"})
#: When no code says every part, one missing a side ranks after one missing nothing and before
#: one missing any other part: another part missed counts this many sides ("bilat knee pain" is
#: knee pain on either side, not H57.13 "Ocular pain, bilateral"; "right sided headache" R51.9,
#: not H04.201 "Unspecified epiphora, right side").
SIDE_MISS_SHARE = 2
#: Readings of a query part that can name a "NOS" term: of each kind, those weighing at least this
#: share of its strongest — an abbreviation's most frequent senses ("CP": chest pain, not
#: cerebral palsy, whose "Cerebral palsy NOS" would otherwise put G80.9 first).
NOS_READING_SHARE = 0.8
#: Readings that are the words as typed: a "NOS" term they name is taken before any named only
#: through other readings (abbreviation senses, lay words, corrections).
AS_TYPED = frozenset({"word"})
#: Readings that can name an inclusion term not saying "NOS": the words as typed or corrected.
#: Through an abbreviation's sense or a lay word, such a term is too often an example the code
#: covers, not its name ("HA", hearing aids: W44.G1 "Audio device entering … a natural orifice").
TERM_READINGS = frozenset({"word", "typo"})
#: Stems no subject needs the query to name.
SUBJECT_NEUTRAL = frozenset({"unspecifi", "nos"})
#: Words after which a subject also ends: "Multiple myeloma | not having achieved remission".
SUBJECT_STOP_WORDS = frozenset({"not", "and", "or"})
#: Words by which the first clause names a cause: the code is a kind of its subject, not the subject.
SUBJECT_CAUSE_WORDS = frozenset({"due"})
#: Kinds of alternative that do not name a subject or "NOS" term: completions of an unfinished
#: word are guesses. A typo's correction does name one, being only the nearest words ("migrane"
#: → migraine lists G43.909 first; typo probes of tools/probes/sound_typos hit@1 17 → 22 of 30).
SUBJECT_GUESSES = frozenset({"prefix"})
#: Kinds of alternative that do not make a part the head of a code (the head prior, what a
#: query is about): an organ's noun read for its adjective ("cardiac" → heart) names the organ,
#: but "cardiac rehab" is still no condition of the heart.
NOT_HEADS = frozenset({"code_prefix", "organ"})

# -- negated descriptor words -------------------------------------------------------------------
#: Words a descriptor names only to say the code is *not* that: "Gastro-esophageal reflux disease
#: without esophagitis" (K21.9), "Acute respiratory failure, unspecified whether with hypoxia or
#: hypercapnia" (J96.00), "Migraine, unspecified, not intractable, …", "Non-Hodgkin lymphoma".
#: A query word such a code matches only there does not count as matched (:func:`negated_words`),
#: so "GERD with esophagitis" lists K21.00/K21.01 before K21.9, which the default prior
#: (:data:`ICD_DEFAULT_RE`) would otherwise put first. Read from the long descriptor at build time.
#:
#: "without …" negates up to the next comma, semicolon or closing bracket, or up to " with "
#: ("without cholecystitis with obstruction") or " of " ("Laceration without foreign body of right
#: thumb": the site is the laceration's) — but not "of" after a word that only introduces what
#: follows ("without evidence of necrosis", "without mention of misadventure"). "with or without"
#: and "without or with" say either, so negate nothing.
NEGATION_TRANSPARENT = ("evidence", "mention", "signs", "documentation", "diagnosis", "presence")
_NEGATION_STOP = (r"\bwith\b|\bfollowed by\b|"
                  + "".join(f"(?<!\\b{w} )" for w in NEGATION_TRANSPARENT) + r"\bof\b")
NEGATED_CLAUSE_RE = re.compile(
    r"(?<!\bwith or )\bwithout\b(?! or with\b)((?:(?!" + _NEGATION_STOP + r")[^,;)])*)"
    # "not intractable", "not specified as recurrent", "not including thumb"; but "including but
    # not limited to X" asserts X
    r"|\bnot\b(?! limited to\b)((?:(?!" + _NEGATION_STOP + r")[^,;)])*)"
    # alternatives the descriptor leaves open: "unspecified whether with hypoxia or hypercapnia",
    # "unspecified as acute or chronic", up to the clause's end
    r"|\bunspecified (?:whether|as)\b([^,;)]*)"
    # "non-" negates the word it is joined to: "Non-ST elevation", "non-sterile", "non-pressure"
    r"|\bnon-([a-z0-9]+)"
)
#: A "without" clause that runs into a list closed by "and"/"or" negates the whole list
#: ("without behavioral disturbance, psychotic disturbance, mood disturbance, and anxiety").
NEGATED_LIST_RE = re.compile(r"((?:,(?:(?!\bwith\b)[^,;()])*)*,? (?:and|or) (?:(?!\bwith\b)[^,;()])*)(?:;|$)")
#: Query words by which the user says a code is without something ("GERD without esophagitis",
#: "w/o", "no", "non hodgkin") or leaves it open ("unspecified"): the descriptors' negations are
#: then what the query asks for, and none is applied.
QUERY_NEGATION_RE = re.compile(r"\b(?:without|w/o|wo|no|non|not|unspecified|negative)\b", re.I)
#: Marks a negated key that is a whole word rather than a stem (see :func:`negated_words`).
NEGATED_WORD_MARK = "~"

# -- query structure -----------------------------------------------------------------------------
#: A query names its subject first and may qualify it after these words: in "nebulizer for
#: asthma" or "wheelchair for heavy patient" the code sought is the nebulizer, the wheelchair.
QUALIFIER_WORDS = frozenset({"for"})
#: A visit said before "for" ("ER visit for pink eye", "office visit for back pain", "follow up
#: appointment for diabetes"): the words of the visit and its setting. When every word before
#: "for" is one of these and one is a visit noun (:data:`VISIT_NOUNS`), the visit is the occasion
#: and what it is for the subject (:func:`codesearch.expand.visit_frame`): ICD-10-CM codes say
#: the condition, and the visit's own words ("er" as epigastric region) had matched nonsense.
VISIT_NOUNS = frozenset({"visit", "visits", "appointment", "appt", "admission", "consult", "checkup"})
VISIT_WORDS = VISIT_NOUNS | frozenset({
    "er", "ed", "emergency", "room", "department", "office", "clinic", "urgent", "care", "hospital",
    "follow", "up", "followup", "sick", "same", "day", "telehealth", "video", "doctor", "doctors",
})  # articles and pronouns are no parts, so they need no place here
#: Within ICD-10-CM a treatment is no diagnosis: when every subject word before "for" is one of
#: these ("treatment for asthma", "meds for gout"), what follows "for" is the subject and they
#: qualify (:func:`codesearch.search._treated_is_subject`). Not with no system chosen, where
#: "treatment for lice" is A9180 "Lice treatment, topical"; nor screening, counseling, a vaccine
#: or a shot, which ICD-10-CM's encounter codes name (Z13, Z71, Z23).
ICD_TREATMENT_WORDS = frozenset({"treatment", "treatments", "medicine", "medicines", "medication",
                                 "medications", "meds", "pills"})
#: Words that qualify the word after them wherever they stand: "cannot" (what expand.py folds
#: can't, unable to, … into) in "can't smell" says what is wrong with smell, so a code holding
#: only its meanings ("Retention of urine") must not outrank one about smell. Like a part after
#: "for", it only adds to the score; composed with the next word ("can't sleep" → insomnia) it
#: still counts in full on that word's part.
QUALIFYING_LAY_WORDS = frozenset({"cannot"})
#: A verb's particle ("fell off the bed", "thrown off a horse", "worn out", "fell down the
#: stairs") says the verb's direction, not what the query is about: beside other words it
#: qualifies like a part after "for" — it adds to a code's score but a code not saying it misses
#: nothing — and it is no item or service of its own, though it heads a few HCPCS descriptors
#: ("Slab off prism", "Foot pressure off loading …"), which a query saying their other words
#: still finds first ("down syndrome" lists Q90.9 first: "down" still adds to its score).
PARTICLES = frozenset({"off", "out", "up", "down", "over", "away"})
#: Words for the person ("cancer patient wig", "patient has pneumonia", "someone who is dizzy")
#: say who, as a pronoun does, not what: beside other words they qualify the same way, so the
#: quality measures saying "Patient …" do not come first; "patient lift" still finds E0630,
#: which says both. Not "pt", also physical therapy and prothrombin time.
PERSON_WORDS = frozenset({"patient", "patients", "person", "people", "someone", "somebody"})
#: A narrative's light verbs and adverbs ("his knee keeps swelling", "baby just got diagnosed
#: with jaundice", "skin looks yellow", "hand still numb") say how or when it happened, not what:
#: they qualify the same way, so the quality measures saying "Patients diagnosed with…" and
#: M08.2 "Juvenile rheumatoid arthritis with systemic onset" (Still's disease) do not come first;
#: nor does Z71.1's "worried well" for "worried about osteoporosis", nor R-codes' "symptoms
#: and signs" for "pneumonia symptoms" (a code saying the word still scores it).
NARRATIVE_WORDS = frozenset({
    "just", "still", "keeps", "keep", "kept", "got", "gets", "get", "getting", "came", "comes", "come",
    "went", "goes", "going", "looks", "look", "looked", "seems", "seem", "needs", "need", "needed",
    "wants", "want", "started", "starting", "suddenly", "really", "always", "sometimes", "again",
    "diagnosed", "complains", "complaining", "complained", "presents", "presenting", "presented",
    "worried", "concerned", "symptoms", "symptom", "order", "ordered", "ordering",
    "feel", "feels", "feeling", "felt",
})
#: Clinical shorthand of the narrative: "c/o" is "complains of" (the Stetson inventory's only
#: sense), as in "pt c/o chest pain": typed with its slash beside other words it is no part, as a
#: pronoun is not; the meta-inventory's senses of the unslashed "co" (carbon monoxide, cardiac
#: output, company) are not what it says.
NARRATIVE_SHORTHAND = frozenset({"c/o"})
#: A condition to rule out after a complaint ("chest pain r/o MI", "headache rule out migraine"):
#: not yet found, so the outpatient guidelines code the complaint; the words after qualify it,
#: as after "for" (I21.9 had come first for "CP r/o MI", A99 "viral hemorrhagic fever" for
#: "fever r/o sepsis").
RULE_OUT_SHORTHAND = frozenset({"r/o"})
RULE_OUT_VERBS = frozenset({"rule", "ruled", "ruling"})
#: "pt" is the patient when a narrative goes on after it ("pt c/o cough", "pt has a rash", "pt
#: with chest pain", "pt presents with…"): no part, as a pronoun is not. Elsewhere it stays an
#: abbreviation (physical therapy, prothrombin time: "pt eval", "pt inr").
PATIENT_ABBREVIATION = "pt"
PATIENT_NARRATIVE_NEXT = NARRATIVE_WORDS | frozenset({"has", "had", "was", "is", "with", "w"})  # "w/": with
#: The payer ("medicare pulmonary rehab", "medicaid van ride") says who pays, not what: beside
#: other words it qualifies, so the quality measures whose long descriptors mention Medicare do
#: not come first; a code saying it still scores it ("welcome to medicare visit" is G0402).
PAYER_WORDS = frozenset({"medicare", "medicaid"})
#: Whether a payer pays ("does medicare cover a warming pad") asks about the item, not for
#: another: the words qualify the same way (the "noncovered" codes had come first).
PAYMENT_WORDS = frozenset({"cover", "covers", "covered", "coverage", "reimburse", "reimbursed", "reimbursement"})
#: So does its price, said before "of" ("cost of a cane"); elsewhere "cost" is a descriptor's
#: word ("Low cost skin substitute", C5271-C5278).
PRICE_WORDS = frozenset({"cost", "costs", "price"})
#: Renting or buying an item ("rental wheelchair", "buy a walker") is how it is billed (the
#: RR and NU modifiers), not another item: the words qualify ("rental" had made the few
#: descriptors saying it come first); "modifier for rental equipment" still finds RR.
TRANSACTION_WORDS = frozenset({"rental", "rent", "rented", "renting", "purchase", "purchased", "buy", "bought"})
#: "new" says when an item came or a patient was first seen ("new knee brace after torn acl",
#: "new pacer"), not what: it qualifies the same way. It heads G44.52 "New daily persistent
#: headache", which had made "new" a condition word deciding a clause; that code still scores it.
NEW_WORDS = frozenset({"new"})
#: "urinary tract infection unspecified", "gout NOS": a coder asking for the default code, which
#: the ICD-10-CM prior already lists first (N39.0 says "site not specified", M10.9 "Gout,
#: unspecified"); the word qualifies, so codes saying "unspecified" about something else (a
#: trimester, a site of a complication) do not come first, while codes saying it still score it.
#: Only after the words it follows: said first it is the descriptor's own ("unspecified fall" is
#: W19.XXXA "Unspecified fall").
UNSPECIFIED_WORDS = frozenset({"unspecified", "unspec", "unsp", "nos"})
#: Words for the patient's age group or sex, said as the one a narrative is about ("child with
#: croup", "elderly man has a broken hip", "kid w/ pinkeye"): like "pt" before a narrative
#: (:data:`PATIENT_NARRATIVE_NEXT`) they say who, so they qualify there
#: (:func:`codesearch.expand.is_aside`). Only there: said anywhere as asides they moved blind
#: queries 2 better / 3 worse (second session of 2026-12-03, reverted), and elsewhere they are
#: often the condition's own ("child abuse", "adult onset diabetes"). Not the newborn's words
#: (baby, infant, newborn), which choose the perinatal chapter, nor "old" ("old MI" is I25.2).
PERSON_GROUP_WORDS = frozenset({
    "adult", "child", "kid", "toddler", "teen", "teenager", "elderly", "man", "woman", "boy", "girl",
    "guy", "lady", "gentleman",
})
#: Greek and Latin endings an anatomy noun drops (or respells) to make its combining form:
#: esophagus → esophag-, trachea → trache-, coccyx → coccyg-, larynx → laryng-, cervix → cervic-,
#: thorax → thorac-, pericardium → pericard-, peritoneum → periton-, meninges (plural of meninx)
#: → mening-, epididymis → epididym-, bursa → burs-; and an adjective's: tracheal → trach-,
#: coccygeal → coccyg-, synovial → synov- (:meth:`codesearch.expand.Expander.stem_forms`); the
#: first ending that matches wins.
NOUN_FORM_ENDINGS = (("nges", "ng"), ("ynx", "yng"), ("yx", "yg"), ("ix", "ic"), ("ax", "ac"), ("ium", ""),
                     ("eum", ""), ("us", ""), ("um", ""), ("ea", ""), ("a", ""),
                     ("is", ""), ("eal", ""), ("ial", ""), ("al", ""))
NOUN_FORM_MIN = 4  # letters a form keeps at least: "sin-" (sinus) would begin unrelated words
#: How often the word after a letter "a" may occur in the texts for the two to be read as one
#: abbreviation ("a fib": afib): "fib" is in one descriptor, while "a cold", "a bp cuff" name words.
ARTICLE_LETTER_MAX_COUNT = 2
#: A region of the spine typed as its letter before "spine", as clinicians write it ("C-spine
#: fracture", "L spine stenosis", "LS spine DJD"): ICD-10-CM says the region's adjective. Only
#: there: elsewhere "l" is left, "c" a type's letter ("hepatitis C").
SPINE_REGIONS = {"c": "cervical", "t": "thoracic", "l": "lumbar", "ls": "lumbosacral"}
#: The words that qualify wherever they stand beside other words.
ASIDE_WORDS = (PARTICLES | PERSON_WORDS | NARRATIVE_WORDS | PAYER_WORDS | PAYMENT_WORDS | NEW_WORDS
               | TRANSACTION_WORDS)
#: The words by which a query asks for a code rather than names what it is about: "code for
#: shingles", "what do I bill for a dental device…", "…, what dx", "how to bill medicaid van
#: ride". They are no part of the meaning; read as words, "code" and "bill" find the quality
#: measures saying "this code is for…" and "may only be billed once", "do" the abbreviation DO
#: (disorder). A run of :data:`FRAME_CORE` words, :data:`FRAME_QUESTIONS` and :data:`FRAME_FILLERS`
#: is dropped from the query (:func:`codesearch.expand.query_frame`) when it holds a core word, or
#: a question word at the start or end of a sentence or comma-separated phrase; a query of frame
#: words alone ("code") is searched as typed.
FRAME_CORE = frozenset({"code", "codes", "coding", "coded", "bill", "billing", "billed", "charge", "charges",
                        "dx", "diagnosis", "icd", "icd10", "hcpcs", "cpt", "ndc", "ndcs", "modifier", "modifiers"})
FRAME_QUESTIONS = frozenset({"what", "whats", "which", "how"})
#: Frame words asking for a HCPCS modifier ("RT modifier", "modifier for right side"): the
#: modifiers come first (:func:`word_sort_keys`' modifier tier turned over) and a two-character
#: word that is a modifier's code is that modifier, typed in any case ("gy modifier").
MODIFIER_WORDS = frozenset({"modifier", "modifiers"})
#: Frame words naming the system asked for: with no system chosen, it is the query's intent.
#: A HCPCS section's letter before "code" ("j code for …", read as "jcode") asks for HCPCS.
FRAME_SYSTEMS = {"dx": "ICD10CM", "diagnosis": "ICD10CM", "icd": "ICD10CM", "icd10": "ICD10CM",
                 "hcpcs": "HCPCS", "modifier": "HCPCS", "modifiers": "HCPCS",
                 **{f"{letter}code": "HCPCS" for letter in "abcegjklpqrstv"}}
FRAME_FILLERS = frozenset({
    "do", "does", "did", "i", "we", "you", "should", "would", "could", "to", "use", "the", "for",
    "is", "are", "a", "an", "s", "10", "cm", "this", "that", "it",
})
FRAME_WORDS = FRAME_CORE | FRAME_QUESTIONS | FRAME_FILLERS
#: Words by which a query names the cause of what it names before them: "cough from
#: lisinopril", "tremor due to medication", "fever after vaccine". ICD-10-CM says the cause in
#: other words ("Drug-induced tremor", "Postvaccination fever", "Infection following a
#: procedure"), so the words after these are read as it says them (expand.py): a drug as
#: :data:`DRUG_CAUSE_READINGS`, what came before as a "post-" compound (:data:`AFTER_WORDS`). A
#: cause word typed as a word ("after", "due") only adds to the score, as a part after "for" does:
#: a code not saying it is not missing the query's subject.
CAUSE_WORDS = frozenset({"from", "after", "following", "due", "caused", "induced", "secondary"})
#: A clinician's shorthand for a cause word, read as the words it stands for: "sepsis d/t UTI",
#: "neuropathy 2/2 DM" (A22.7 "Anthrax sepsis" had come first, the abbreviation's "due to" a
#: word each code had to match; "2/2" the numbers of unrelated codes).
CAUSE_SHORTHAND = {"d/t": ("due", "to"), "2/2": ("secondary", "to")}
#: Cause words that say the cause came first: "fever after vaccine" is "Postvaccination fever",
#: "infection after surgery" an "Infection following a procedure". ICD-10-CM says "following".
AFTER_WORDS = frozenset({"after", "following"})
#: Words opening a clause that says when a complaint comes on ("vertigo when rolling over in
#: bed", "wrist pain while typing"): like a cause, what the clause names is the circumstance,
#: not the subject, wherever it names an item (search.Searcher._clause_parts).
TIME_CLAUSE_WORDS = frozenset({"when", "whenever", "while", "during"})
#: Words beginning a clause that says why or when: after an item, service or drug (HCPCS) the
#: clause qualifies it — "crutches after knee surgery", "oxygen because of copd" are about the
#: crutches and the oxygen, and an ICD-10-CM code naming the clause's words is not the subject
#: (Searcher._clause_parts). After a condition the clause is read as before (cause words).
CLAUSE_WORDS = CAUSE_WORDS | TIME_CLAUSE_WORDS | {"because", "before", "since"}
#: ICD-10-CM's external causes (chapter 20: V00-Y99) say how an injury happened ("Pedestrian on
#: wheelchair injured …"); heading one of them does not make a word a condition's.
EXTERNAL_CAUSE_LETTERS = ("V", "W", "X", "Y")
#: A patient's pronouns, family words and auxiliary verbs ("my knee hurts", "my mom has
#: dementia", "her ankle is sprained") say whose and when, not what: beside other words they are
#: no part ("my" is no abbreviation for yaws, "mom" none for mucoid otitis media). "i" is one
#: before another word ("when i stand up"); last, it is a type's letter ("mobitz i"). Not "im",
#: which beside a drug is intramuscular ("promethazine 25 mg im").
PRONOUNS = frozenset({
    "i", "me", "my", "mine", "myself", "ive", "he", "she", "his", "her", "hers", "him", "they",
    "them", "their", "theirs", "our", "ours",
    "mom", "mum", "mommy", "dad", "daddy", "son", "daughter", "wife", "husband", "grandma", "grandpa",
    "has", "had", "am", "was", "were", "been", "does", "did",
})
#: A patient "on" a drug, said first ("on insulin", "pt on blood thinners", "taking tamoxifen"),
#: takes it now: each reading of the words after it is also searched as ICD-10-CM's long-term
#: (current) use of it (Z79.x: "Long term (current) use of anticoagulants"), whole in one field.
#: Only the words in :data:`LONG_TERM_LEADERS` or pronouns may come before the word.
LONG_TERM_WORDS = frozenset({"on", "taking", "takes"})
LONG_TERM_LEADERS = frozenset({"pt", "patient", "currently", "now", "still", "is"})
LONG_TERM_USE = "long term current use"
LONG_TERM_READINGS = frozenset({"word", "synonym", "abbreviation", "typo"})
#: Words saying a drug is taken regularly wherever they stand ("insulin user", "daily aspirin",
#: "uses prednisone every day", "long term antibiotics"): beside a part naming a drug they read
#: it as its long-term use as "on" does (Z79.x), and qualify — a code not saying them misses
#: nothing ("Long term (current) use of insulin" says no "user"). Without a drug they are words
#: like any other ("tobacco user" is no medicine's use). Not "chronic", which the condition
#: codes say ("chronic hepatitis c" is B18.2, and "hepatitis" names vaccines and immune globulins).
REGULAR_USE_WORDS = frozenset({"user", "users", "uses", "daily", "everyday", "regularly"})
REGULAR_USE_PAIRS = frozenset({("every", "day"), ("each", "day"), ("a", "day"), ("per", "day"), ("long", "term")})
#: How often something is given or happens ("every 3 months", "once a week", "twice a day",
#: "4 times a day", "every morning"): the codes say no such thing, so the words qualify like a part
#: after "for" — "prolia every 6 months" is J0897, not the quality measures that say "6 months".
#: A lead word (or a number before "times"/"x"), then at most three of "a", "per", "other", a
#: number, "times", "x", then a unit. "All the time", "all day", "all night" say how often too
#: (a complaint told as constant: "feeling tired all the time" had listed Z37.50 "Multiple births,
#: unspecified, all liveborn").
FREQUENCY_LEADS = frozenset({"every", "each", "once", "twice", "thrice", "all"})
FREQUENCY_FILLERS = frozenset({"a", "an", "per", "other", "times", "x", "the"})
FREQUENCY_UNITS = frozenset({
    "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years",
    "morning", "mornings", "night", "nights", "evening", "evenings", "time",
})
#: The patient's age ("5 year old", "6 month old", "3 days old", "2 yo", "7 y/o"): a number, a
#: unit and "old" (or an age abbreviation) say who the patient is, not what they have or need,
#: and matched as words they find the numbers and units of unrelated codes ("Pt recd flu vax
#: 7/1-6/30", "Glasgow coma scale score 5"). The words are no parts; an age in days or weeks
#: reads as the qualifier "newborn", one in months or under AGE_ADULT years as "child".
AGE_UNITS = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "month": "month", "months": "month",
    "mo": "month", "mos": "month", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "day": "day", "days": "day",
}
AGE_ABBREVIATIONS = frozenset({"yo", "yoa"})
#: The words for the person an age phrase goes on with ("45 yo male with gout", "7 year old boy
#: with strep throat", "62 yo F"): the same who, no part either ("male" had listed N46.9 "Male
#: infertility" first). Only right after an age: elsewhere "male infertility" is the condition's.
#: The age-group words a narrative is about (PERSON_GROUP_WORDS) less "adult" and "elderly", which
#: are themselves ages, with the sex, the patient and the newborn's words.
AGE_PERSON_WORDS = (PERSON_GROUP_WORDS - {"adult", "elderly"}) | frozenset({
    "male", "female", "m", "f", "patient", "pt", "infant", "baby",
})
AGE_ADULT = 18
AGE_WORDS = {"day": "newborn", "week": "newborn", "month": "child", "year": "child"}
#: A relative who had a condition ("mom had breast cancer", "dad died of a heart attack") is the
#: patient's family history: ICD-10-CM's "Family history of …" (Z80-Z84). The relative and the
#: verb are no part of their own, and "family history" is read as a part the codes must say. A
#: relative who *has* a condition is searched as the condition ("my mom has dementia").
RELATIVES = frozenset({
    "mom", "mum", "mommy", "mother", "dad", "daddy", "father", "parent", "parents", "grandma",
    "grandpa", "grandmother", "grandfather", "sister", "brother", "sibling", "aunt", "uncle",
    "cousin", "son", "daughter",
})
PAST_CONDITION_WORDS = frozenset({"had", "died", "passed"})
FAMILY_HISTORY = "family history"
#: Clause words that are no part of their own: no descriptor says them.
CLAUSE_ONLY_WORDS = frozenset({"because", "since", "when", "whenever", "while"})
AFTER_WORDINGS = ("following",)
#: How ICD-10-CM says a drug caused a condition ("Drug-induced tremor", "Hypotension due to
#: drugs", "Hypothyroidism due to medicaments …", "Drug or chemical induced diabetes"); read on a
#: drug word after a cause word ("gout from diuretics") at the weight of a lay word: a reading,
#: below the drug's own name, which the "Adverse effect of …" codes hold.
DRUG_CAUSE_READINGS = ("drug induced", "due to drugs", "medicaments")
DRUG_CAUSE_WEIGHT = 0.5
#: A drug word (expand.drug_words): a word of the drug or class an ICD-10-CM "Adverse effect of …"
#: code names whose ICD-10-CM codes inside T36-T50 (the drugs' block) are at least this share of
#: those outside it: "opioids", "diuretics", "antibiotics" are; "blood", "muscle", "dental",
#: "system", "initial", which the block's wording shares with the whole classification, are not.
#: Matched by stem, so "opioid" is one with "opioids"; lay words for drugs are found by their kind.
DRUG_WORD_SHARE = 0.5
#: Lay vocabulary kinds (corpus/lay_words.tsv) that name a drug: "blood thinners", "painkillers".
DRUG_LAY_KINDS = frozenset({"drug-class", "substance", "brand"})
#: A brand name FDA lists for a drug (corpus/brands_fda.tsv: "toradol" → ketorolac) reads as
#: the generic the HCPCS descriptors say, as much as the typed generic: the name is the drug's.
FDA_BRAND_WEIGHT = 1.0
#: A condition beside a word for a drug ("shot for low blood sugar", "iv medicine for nausea",
#: "seizure medicine iv") also reads as the drugs FDA labels give for it (corpus/indications.tsv, from
#: NLM's LabeledIn), at this weight, in the condition's part and the drug word's: a drug code
#: labelled for the condition matches both. Only words that say "a drug" on their own count.
INDICATION_WEIGHT = 0.8
INDICATION_DRUG_WORDS = frozenset({
    "shot", "shots", "injection", "injections", "injectable", "infusion", "infusions", "iv", "jab",
    "drip", "medicine", "medicines", "medication", "medications", "med", "meds", "drug", "drugs",
})
#: A label's condition is also read without its closing general word ("Crohn disease" → crohn,
#: "Migraine Disorders" → migraine), as people type it.
INDICATION_GENERAL_ENDINGS = frozenset({"disease", "diseases", "disorder", "disorders"})
#: The most consecutive query words read together as one condition.
INDICATION_MAX_WORDS = 3
#: A word after an "after" word is also the "post-" compound ICD-10-CM writes ("vaccine" →
#: postvaccination, "transfusion" → posttransfusion): a descriptor word "post" + the word's
#: first letters (all but the last POST_ROOT_SLACK, at least MIN_POST_ROOT), at a lay word's weight.
POST_ROOT_SLACK = 2
MIN_POST_ROOT = 4
POST_COMPOUND_WEIGHT = 0.8
#: Endings by which a word the texts do not use is another form of one they do: "dehydrated"
#: (unknown) and "dehydration" share the root "dehydrat" once "ed" and "ion" are dropped; the
#: stemmer keeps them apart. Roots are at least MIN_ROOT letters; MAX_VARIANTS words are kept,
#: each weighing VARIANT_WEIGHT of the word typed.
WORD_ENDINGS = frozenset({
    "", "e", "s", "es", "ed", "d", "ing", "ion", "ions", "ation", "ive", "ic", "ical", "al", "ial", "ous", "ious",
    "y", "ia", "is", "a", "ity", "ness", "iness", "ish", "ly", "ant", "ance", "ancy", "ent", "ence", "ency",
})
MIN_ROOT = 5
#: Latin and Greek plurals and their singulars, which the stemmer keeps apart ("calculi" and
#: "calculus", "metastases" and "metastasis"): (ending, the other number's ending). A query word
#: also searches its other number when the texts have it, as the same word.
LATIN_NUMBER_ENDINGS = (("ices", "ix"), ("ices", "ex"), ("ses", "sis"), ("ae", "a"), ("i", "us"), ("a", "um"),
                        ("ix", "ices"), ("ex", "ices"), ("sis", "ses"), ("us", "i"), ("um", "a"))
MIN_LATIN_WORD = 5
#: A process noun and its adjective, which the stemmer keeps apart ("hypertension" and
#: "hypertensive", "degeneration" and "degenerative"): either reads as the other
#: (:meth:`codesearch.expand.Expander.process_forms`). Not "-ory" adjectives: "refractory" is no
#: "refraction".
PROCESS_FORM_ENDINGS = (("ion", "ive"), ("ive", "ion"))
#: A participle in -ed and its noun in -ion, which the stemmer keeps apart for the "-ated" verbs
#: ("dislocated" and "dislocation", "perforated" and "perforation", "lacerated"): the participle
#: typed reads as the noun the descriptors say, as :data:`PROCESS_FORM_ENDINGS` do ("dislocated
#: hip" had listed Q65.6 "Congenital unstable hip", whose term says "dislocatable", first). One
#: way only: a query saying the noun finds the codes saying it.
PARTICIPLE_FORM_ENDINGS = (("ed", "ion"),)
#: A Greek noun in -osis, -itis, -ysis and its adjective in -otic, -itic, -ytic, which the stemmer
#: keeps apart ("psychosis" and "psychotic", "thrombosis" and "thrombotic", "arthritis" and
#: "arthritic", "paralysis" and "paralytic"): either reads as the other, as
#: :data:`PROCESS_FORM_ENDINGS` do ("alcohol psychosis" is F10.959 "… with alcohol-induced
#: psychotic disorder"). Not every "-ic" adjective: allergic → allergy and prosthetic →
#: prosthesis were tried and lost read queries (a bee-sting reaction read as an allergy status).
GREEK_FORM_ENDINGS = (("osis", "otic"), ("otic", "osis"), ("itis", "itic"), ("itic", "itis"),
                      ("ysis", "ytic"), ("ytic", "ysis"))
#: Every ending swap :meth:`codesearch.expand.Expander.process_forms` reads, in this order.
STEMMED_APART_ENDINGS = PROCESS_FORM_ENDINGS + PARTICIPLE_FORM_ENDINGS + GREEK_FORM_ENDINGS
#: The electrolytes by their chemical symbols, as clinicians glue them to hypo- and hyper- ("hypoK",
#: "hyperNa", "hypoMg"): the root of the word ICD-10-CM says for the disorder, hypo- or hyper-, the
#: root, "-emia" (K is kalium: hypokalemia; Na natrium: hyponatremia). Read as an abbreviation is
#: (:meth:`codesearch.expand.Expander.element_forms`); "hypoNa" had listed R49.22 "Hyponasality" first.
ELEMENT_SYMBOLS = {"k": "kal", "na": "natr", "ca": "calc", "mg": "magnes", "cl": "chlor"}
ELEMENT_LEADS = ("hypo", "hyper")
#: Numbers as the codes write them: a number word after a word the codes number
#: (:data:`NUMBERED_WORDS`) typed where they write the digit ("type one diabetes" is Type 1,
#: "stage four" stage 4; elsewhere "two" stays a word: "broke two teeth"), and an ordinal both ways
#: ("2nd degree burn" is a burn of second degree, "first trimester" HCPCS's "1st").
NUMBERED_WORDS = frozenset({"type", "stage", "grade", "class", "level", "degree", "phase", "zone"})
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
                "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth", "6th": "sixth",
            "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth"}
ORDINALS.update({word: digits for digits, word in list(ORDINALS.items())})
#: A Roman numeral after a numbered word is its digit ("stage IV" is stage 4, "class III" class 3),
#: and a digit there the numeral ("crps type 1": "Complex regional pain syndrome I").
ROMAN_NUMERALS = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
ROMAN_NUMERALS.update({digit: numeral for numeral, digit in list(ROMAN_NUMERALS.items())})
#: An organ's adjective where ICD-10-CM names the organ ("pancreatic cancer": "Malignant neoplasm
#: of pancreas"): an adjective of the descriptors and a noun they write after "of" at least
#: ORGAN_MIN_OF times that share a root of ORGAN_MIN_ROOT letters, the rest an adjective's ending
#: and a Latin or Greek noun's ("esophag-eal"/"esophag-us", "ovar-ian"/"ovar-y", "pancrea-tic"/
#: "pancrea-s"); the root shared whole, or less a last c or g before x ("cervi-c-al"/"cervi-x",
#: so "lateral" is no "latex"); with no noun ending only when the root is ORGAN_MIN_BARE letters
#: ("ureter-al", "tonsil-lar"), so "lateral" is no "later"; a plural's "s" only after a longer
#: root ("partial" is no "parts"). The noun is searched at ORGAN_NOUN_WEIGHT, as a lay word's
#: meaning, and makes no part a code's head (kind "organ", NOT_HEADS).
ORGAN_ADJECTIVE_ENDINGS = ("eal", "ial", "ian", "tic", "lar", "al", "ic", "ar", "ine")
ORGAN_NOUN_ENDINGS = frozenset({"a", "ae", "e", "s", "us", "um", "ium", "eum", "x", "ix", "is", "y", "ies"})
ORGAN_MIN_ROOT = 4
ORGAN_MIN_BARE = 6
ORGAN_MIN_OF = 2
#: The ICD-10-CM codes whose descriptors name sites: neoplasms (C00-D49) and injuries (S).
ORGAN_SITE_CODES = ("C", "D0", "D1", "D2", "D3", "D4", "S")
ORGAN_NOUN_WEIGHT = 0.8
#: The lay vocabulary read backwards for anatomy: a clinical adjective ("renal", "hepatic")
#: also searches the one everyday noun it is given for ("kidney", "liver") when the descriptors
#: say that noun in ANATOMY_NOUN_MIN codes or more ("Calculus of kidney"); an adjective given for
#: several ("abdominal": belly, stomach) or with an organ noun of its own ("cervical") has none.
ANATOMY_NOUN_MIN = 40
MAX_VARIANTS = 2
VARIANT_WEIGHT = 0.9
#: Words typed apart that the texts write as one ("heart burn" → heartburn), or run together
#: that they write apart ("jetlag" → "jet lag"): the other spelling counts as typed. Each of
#: the two words has MIN_JOINED_PART letters or more.
JOINED_WEIGHT = 1.0
MIN_JOINED_PART = 3
#: The one word two typed words make counts on each of their parts at this share, so a code
#: holding it scores as one holding both words, not twice ("breast pump": the pump, not a
#: supply for a "breastpump", first).
JOINED_SHARE = 0.5
#: A word the texts do not have that begins words they have ("rehab") is cut short: its
#: MAX_CLIPPED best completions are searched, as for an unfinished last word, when it has at
#: least MIN_CLIPPED letters. A word only HCPCS short descriptors have is CMS's own clip of a
#: longer word ("diab", "periph", "chr", "sev": :func:`expand.short_clips`), read so from
#: MIN_CMS_CLIPPED letters.
MIN_CLIPPED = 4
MIN_CMS_CLIPPED = 3
MAX_CLIPPED = 3
#: A number beside other words matches the ranges the descriptors state that hold it ("BMI 42" →
#: Z68.41 "Body mass index [BMI] 40.0-44.9, adult"), ranges of at most MAX_RANGE_SPAN, the
#: MAX_RANGES narrowest, each weighing RANGE_WEIGHT of the number as typed: a code matching
#: more of the query through a range comes first by that alone, and among codes matching as
#: much, the number written out ("32 weeks gestation") before a range holding it (BMI 32.0-32.9).
MAX_RANGE_SPAN = 20
MAX_RANGES = 8
RANGE_WEIGHT = 0.3
#: Units of a dose ("ceftriaxone 250 mg"): a dose, number and unit, qualifies the drug named
#: beside it like a part after "for", so codes of the drug at any strength come before other
#: drugs at the dose typed (J0696 "ceftriaxone sodium, per 250 mg" first either way; for
#: "cefazolin 1 gram", J0690 "cefazolin sodium, 500 mg" before J9208 "ifosfamide, 1 gram").
DOSE_UNITS = frozenset({
    "mg", "milligram", "milligrams", "g", "gm", "gram", "grams", "mcg", "ug", "microgram", "micrograms",
    "kg", "ml", "milliliter", "milliliters", "cc", "l", "liter", "liters", "unit", "units", "u", "iu",
    "meq", "mmol", "percent",
})
#: A query that gives a dose, or names a brand no HCPCS descriptor says, is about a drug: the
#: system of drug codes comes first. So is one whose subject is a drug the crosswalk names and a
#: word for the form it is given in (:data:`DRUG_FORM_WORDS`), and nothing else: "iron iv",
#: "insulin drip", "iv iron for anemia" (iron and insulin also name conditions: iron deficiency,
#: insulin resistance); and one whose subject is such a drug alone, before "for" and what it is
#: for ("insulin for diabetes", "magnesium for preeclampsia").
DRUG_SYSTEM = "HCPCS"
DRUG_FORM_WORDS = frozenset({
    "shot", "shots", "injection", "injections", "injectable", "infusion", "infusions", "iv", "jab",
    "drip", "im", "intravenous", "intramuscular", "subq", "subcutaneous",
})
#: Words for what a drug did to the patient: beside a drug (a brand, a dose, a form word) they
#: make the query about the drug's poisoning, adverse effect or allergy, not the drug: no
#: drug-system intent and no brand made the subject ("tylenol overdose" is no J0131 first),
#: and the drug also reads as its class (:data:`DRUG_CLASS_WEIGHT`).
DRUG_EFFECT_WORDS = frozenset({
    "overdose", "overdosed", "overdosing", "od", "poisoning", "poisoned", "toxicity", "intoxication",
    "allergy", "allergies", "allergic", "reaction", "reactions",
})
#: Such a word as the query's subject (not after "for") makes it about what happened to the
#: patient: ICD-10-CM comes first, as a dose makes a query about the drug ("digoxin toxicity" is
#: T46.0X1A, not J1160; "lithium toxicity" no lithium battery).
EFFECT_SYSTEM = "ICD10CM"
#: Where ICD-10-CM names drugs by their class — beside a word of :data:`DRUG_EFFECT_WORDS`, after
#: "on" (:data:`LONG_TERM_WORDS`) — a drug also reads as
#: the classes DrugCentral gives it that ICD-10-CM's drug texts name (corpus/drug_classes.tsv:
#: lorazepam → benzodiazepine, apixaban → anticoagulant), at this weight.
DRUG_CLASS_WEIGHT = 0.8
#: A crosswalk brand is read through the descriptors of at most this many of the codes it bills
#: under ("ativan": J2060 "Injection, lorazepam, 2 mg" → lorazepam → benzodiazepine).
MAX_BRAND_CODES = 3
#: An adjective said before "to" that reads as its noun, which the stemmer keeps apart from it
#: and the code texts say: "allergic to penicillin" is Z88.0 "Allergy status to penicillin",
#: "allergic to peanuts" Z91.010 "Allergy to peanuts". Only before "to": "allergic reaction",
#: "allergic rhinitis" keep the adjective ("bee sting allergic reaction" is the sting's toxic
#: effect, not a bee allergy status). At :data:`LAY_WORD_WEIGHT`.
BEFORE_TO_NOUNS = {"allergic": "allergy"}
#: ICD-10-CM categories that repeat a drug's name, not a condition: its poisoning, adverse effect
#: and underdosing (T36-T50) and an allergy status to it (Z88). Matched through the drug's name
#: alone (a part the crosswalk names as a drug's generic or brand: "fentanyl", "streptomycin"),
#: such a code says the query names the drug, so it does not count for its system's strength
#: (as :data:`ICD_DEVICE_CATEGORIES` for an item); "fentanyl overdose" matches them through a
#: condition word too, and counts.
ICD_DRUG_CATEGORIES = tuple(f"T{n}" for n in range(36, 51)) + ("Z88",)
#: The long-term drug use codes (Z79) are device categories (:data:`ICD_DEVICE_CATEGORIES`): "insulin"
#: alone matching "Long term (current) use of insulin" names the drug. A query saying the patient
#: takes it ("on insulin", "insulin user": a ``long_term`` reading) asks for them, and there they count.
ICD_LONG_TERM_CATEGORIES = ("Z79",)
#: One-letter words that are not a type's letter: "w" (with), "s" ("Crohn's"), "t" ("can't"),
#: "x" (times); "a" is a stop word.
LETTERS_NOT_WORDS = frozenset({"w", "s", "t", "x"})
#: A qualifying part counts this much of a subject part's score, and a code that misses it is
#: not put in a lower tier: "nebulizer for asthma" lists nebulizers before asthma medicines.
QUALIFIER_WEIGHT = 0.5

# -- system intent, when no system is chosen ---------------------------------------------------
#: The system whose best matches are this much stronger than another's is the query's subject:
#: it comes first, as a tier. Below the margin, neither system goes first and scores decide.
INTENT_MARGIN = 1.25
#: How many of a system's best matches are averaged to measure its strength.
INTENT_TOP = 5
#: ICD-10-CM categories about a device, drug or opening the patient has, not a condition: its
#: presence, status or dependence (Z93, Z95-Z97, Z99), long-term drug use (Z79), encounters to fit,
#: adjust or attend to it (Z43-Z46, insertion of a contraceptive device Z30.4), its complications
#: (T80.2 catheter infections, T82-T85, J95.0 tracheostomy, K94 digestive stomas, N99.5 urinary
#: stomas, O26.3 a retained IUD) and devices in adverse incidents (Y70-Y82), by the tabular's own
#: blocks. Such a code repeats the item's words ("Presence of cardiac pacemaker", "Tracheostomy
#: status"): matched through no condition word of the query (:func:`condition_parts`), it says the
#: query names the item, so it does not count for its system's strength. The same holds the other
#: way for a HCPCS measurement code (:data:`MEASUREMENT`) matched through condition words alone
#: ("Documentation of medical reason(s) for prescribing antibiotic … acute bronchitis"): it reports
#: care for the condition the query names.
ICD_DEVICE_CATEGORIES = (
    "Z93", "Z95", "Z96", "Z97", "Z99", "Z79", "Z43", "Z44", "Z45", "Z46", "Z30.4",
    "T80.2", "T82", "T83", "T84", "T85", "J95.0", "K94", "N99.5", "O26.3",
    "Y70", "Y71", "Y72", "Y73", "Y74", "Y75", "Y76", "Y77", "Y78", "Y79", "Y80", "Y81", "Y82",
)
#: A query word heading codes of more ICD-10-CM categories (not about devices) than this many
#: times the HCPCS codes it heads is a condition word; a device code matched through one counts.
CONDITION_HEAD_RATIO = 1.0
#: A bare code family lists the systems in this order (HCPCS J15xx, then ICD-10-CM J15.x); a
#: family typed with a dot is ICD-10-CM notation, so that system comes first then.
FAMILY_SYSTEM_ORDER = ("HCPCS", "CPT", "ICD10CM")
DOTTED_FAMILY_SYSTEM = "ICD10CM"

# -- ablation: sources a search can switch off --------------------------------------------------
#: abbreviations (the abbreviation map), lay (everyday words and phrases), inclusion_terms
#: (ICD-10-CM inclusion terms indexed as synonyms), brands (brand names), priors (every prior
#: above, system intent included).
SOURCES = ("abbreviations", "lay", "inclusion_terms", "brands", "priors")
#: The index field each source contributes, dropped from every alternative when it is off.
SOURCE_FIELDS: dict[str, str] = {"lay": "plain", "inclusion_terms": "synonyms", "brands": "brand"}

_WORD_RE = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?|[;:]")
_INFLAMMATION = ("itis", "itides")
_POSSESSIVE_RE = re.compile(r"(?<=\w)['\u2019]s\b", re.IGNORECASE)
_ACRONYM_WORD_RE = re.compile(r"[A-Za-z]{2,}")
_NOS_RE = re.compile(r"\bNOS\b")  # case-sensitive: "nos" is no word of the texts, "NOS" is the tabular's
_BRACKETS_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")  # "(primary)", "(octagam)", "[antidiabetic]"


def document_prior(record, stems_of=None) -> float:
    """A multiplier on a code's text score expressing what users usually want among equals.

    Computed at build time for every code. The ICD-10-CM priors, when introduced, took the judged
    ICD-10-CM queries' hit@1 from 0.735 to 0.841. ``stems_of`` stems a word (default: the
    index's analyzer).
    """
    if stems_of is None:
        from codesearch.schema import stems as stems_of  # late: schema imports this module
    prior = ACCESSORY if is_accessory(descriptor_head(stems_of, record.long), record.long) else 1.0
    if is_measurement(record):
        prior *= MEASUREMENT
    if record.system == "HCPCS" and len(record.code) == 5:  # a code, not a two-letter modifier
        if record.code[:1] in TEMPORARY_SECTIONS:
            prior *= TEMPORARY
        if SPECIAL_SIZE_RE.search(record.long.lower()):
            prior *= SPECIAL_SIZE
        if getattr(record, "manual_refs", ()):
            prior *= MANUAL_REFERENCED
    if record.system == "ICD10CM":
        prior += ICD_GENERAL_STEP * (ICD_FULL_LENGTH - len(record.key))
        prior *= icd_default_prior(record.long)
        if (record.code[:1] in ICD_CONTEXT_CHAPTERS
                and not ICD_CONTEXT_RE.search(_BRACKETS_RE.sub(" ", record.long.lower()))):
            prior *= ICD_CONTEXT  # icd_default_prior gave it already when the words say the context
        if len(record.key) == ICD_FULL_LENGTH and record.code[-1] not in ICD_INITIAL_ENCOUNTER:
            prior *= ICD_LATER_ENCOUNTER
        if record.code[:1] in EXTERNAL_CAUSE_LETTERS:
            prior *= ICD_EXTERNAL_CAUSE
        prior /= ICD_SYSTEM_SCALE
    return prior


def is_measurement(record) -> bool:
    """Whether a HCPCS code is a measurement code (fee schedule status M: reported for quality
    programs, not a service), whose descriptor is a sentence about a patient, not a name."""
    return any(row.status == "M" for row in getattr(record, "rvus", ()))


def icd_default_prior(long: str) -> float:
    """How much an ICD-10-CM descriptor reads as its category's default.

    Each default word (:data:`ICD_DEFAULT_RE`) counts one, each variant word
    (:data:`ICD_VARIANT_RE`) takes one away: "Migraine, unspecified, not intractable, without
    status migrainosus" (4 with its subject unspecified) before "Ophthalmoplegic migraine, not
    intractable" (1) and "Type 2 diabetes mellitus with unspecified complications" (0). The
    prior is :data:`ICD_UNSPECIFIED`
    to the power of the count, at most :data:`ICD_DEFAULT_MAX`; below 0 it is :data:`ICD_VARIANT`;
    times :data:`ICD_CONTEXT` for the condition in pregnancy, childbirth or a newborn.
    """
    text = _BRACKETS_RE.sub(" ", long.lower())
    net = (len(ICD_DEFAULT_RE.findall(text)) + bool(ICD_CATEGORY_DEFAULT_RE.search(text))
           - len(ICD_VARIANT_RE.findall(text)))
    context = ICD_CONTEXT if ICD_CONTEXT_RE.search(text) else 1.0
    if net < 0:
        return ICD_VARIANT * context
    return ICD_UNSPECIFIED ** min(net, ICD_DEFAULT_MAX) * context


def descriptor_head(stems_of, long: str) -> tuple[str, ...]:
    """The stems of the first words of a descriptor, up to where it starts qualifying them.

    ``stems_of`` stems one word (the index's analyzer). "Replacement battery for external
    infusion pump" → (replac, batteri); "Essential (primary) hypertension" → (essenti,
    hypertens): bracketed asides are skipped.
    """
    out: list[str] = []
    for word in _WORD_RE.findall(_BRACKETS_RE.sub(" ", _POSSESSIVE_RE.sub("", long.lower()))):
        if word in HEAD_STOP_WORDS or word in ";:":
            break
        out.extend(stems_of(word))
        if len(out) >= HEAD_WORDS:
            break
    return tuple(out[:HEAD_WORDS])


def negated_words(stems_of, long: str, asserted: Iterable[str] = ()) -> tuple[str, ...]:
    """The words a descriptor negates (:data:`NEGATED_CLAUSE_RE`) and nowhere asserts.

    ``stems_of`` stems one word (the index's analyzer); ``asserted`` are more texts of the code
    that say what it is (its inclusion terms), less their own negated clauses: "Hb-SS disease
    without crisis", a term of D57.1 "Sickle-cell disease without crisis", does not assert crisis
    (it had, and "sickle cell crisis" listed D57.1 first). A stem found only in negated clauses is given as
    the stem ("without obstruction or gangrene" → obstruct, gangren); a word whose stem the
    descriptor also uses outside them, as the word after :data:`NEGATED_WORD_MARK`: "Gastro-esophageal
    reflux disease without esophagitis" → ~esophagitis, since "esophageal" shares its stem.
    """
    text = long.lower()
    spans = []
    for m in NEGATED_CLAUSE_RE.finditer(text):
        group = next(g for g in range(1, 5) if m.group(g) is not None)
        start, end = m.span(group)
        listed = NEGATED_LIST_RE.match(text, end) if group == 1 and text[end:end + 1] == "," else None
        spans.append((start, listed.end(1) if listed else end))
    if not spans:
        return ()
    inside, outside, pos = [], [], 0
    for start, end in spans:
        outside.append(text[pos:start])
        inside.append(text[start:end])
        pos = end
    outside.append(text[pos:])
    outside_words = set(_WORD_RE.findall(" ".join(outside + [NEGATED_CLAUSE_RE.sub(" ", t.lower()) for t in asserted])))
    outside_stems = {s for w in outside_words for s in stems_of(w)}
    out: dict[str, None] = {}
    for word in _WORD_RE.findall(" ".join(inside)):
        for s in stems_of(word):
            if s not in outside_stems:
                out[s] = None
            elif word not in outside_words:
                out[NEGATED_WORD_MARK + word] = None
    return tuple(out)


def negated_text(record) -> str:
    """A record's negated words (:func:`negated_words`) space-separated, stored per document at build time."""
    from codesearch.schema import stems  # late: schema imports this module

    return " ".join(negated_words(stems, record.long, record.synonyms))


def is_accessory(head: Sequence[str], long: str) -> bool:
    """Whether a descriptor names an accessory, replacement part or supply rather than an item."""
    long = long.lower()
    return any(s in ACCESSORY_HEADS for s in head) or any(p in long for p in ACCESSORY_PHRASES)


def subject_text(record) -> str:
    """An ICD-10-CM record's subject as space-separated stems, stored at build time; a HCPCS
    item's whole descriptor (:data:`HCPCS_SUBJECT`) when it is at most :data:`HCPCS_SUBJECT_WORDS` stems;
    "" for others.

    The subject is the descriptor's first clause, up to its first comma or head stop word
    (:data:`HEAD_STOP_WORDS`, :data:`SUBJECT_STOP_WORDS`), less the stems of :data:`SUBJECT_NEUTRAL`: "Sepsis, unspecified
    organism" → sepsi; "Zoster without complications" → zoster; "Streptococcal sepsis,
    unspecified" → streptococc sepsi.
    """
    from codesearch.schema import stems  # late: schema imports this module

    if record.system == "HCPCS" and len(record.code) == 5:  # an item's (not a modifier's) whole descriptor
        words = _WORD_RE.findall(_BRACKETS_RE.sub(" ", record.long.lower()))
        kept = [s for w in words if w not in HCPCS_SUBJECT_NEUTRAL and w not in ";:" for s in stems(w)]
        return " ".join(dict.fromkeys(kept)) if kept and len(kept) <= HCPCS_SUBJECT_WORDS else ""
    if record.system != "ICD10CM":
        return ""

    clause = _BRACKETS_RE.sub(" ", _POSSESSIVE_RE.sub("", record.long.lower())).split(",")[0]
    out: list[str] = []
    for word in _WORD_RE.findall(clause):
        if word in SUBJECT_CAUSE_WORDS:
            return ""  # "Diabetes mellitus due to underlying condition": a kind, by its cause
        if word in HEAD_STOP_WORDS or word in SUBJECT_STOP_WORDS or word in ";:":
            break
        out.extend(s for s in stems(word) if s not in SUBJECT_NEUTRAL)
    return " ".join(dict.fromkeys(out))


def inclusion_terms(record) -> list[tuple[str, bool]]:
    """An ICD-10-CM record's inclusion terms, each as its words' space-separated keys
    (:func:`nos_words`) without "NOS" and bracketed words ("Cirrhosis (of liver) NOS" →
    cirrhosi, "Enteritis NOS" → enteritis), with whether it says "NOS"; stored at build time.
    Terms written as acronyms alone ("MIS-C", "PIMS") are left to the abbreviation map."""
    if record.system != "ICD10CM":
        return []
    out: dict[str, bool] = {}
    for term in record.synonyms:
        says_nos = bool(_NOS_RE.search(term))
        if not says_nos and all(w.isupper() for w in _ACRONYM_WORD_RE.findall(term)):
            continue
        text = " ".join(dict.fromkeys(nos_words(_BRACKETS_RE.sub(" ", _NOS_RE.sub(" ", term)))))
        if text:
            out[text] = out.get(text, False) or says_nos
    return list(out.items())


def nos_words(text: str) -> list[str]:
    """The keys of ``text``'s words by which a "NOS" term and a query's reading are compared: the
    word's stem, but an inflammation ("-itis") whole — the stemmer makes "enteral" and
    "enteritis" one stem, and "feeding tube" (enteral) must not name "Enteritis NOS". A possessive
    is the name without it: "Parkinson's disease NOS" is named by "parkinsons disease"."""
    from codesearch.schema import stems, words  # late: schema imports this module

    out = []
    for word in words(_POSSESSIVE_RE.sub("", text)):
        for stem in stems(word):
            if stem not in SUBJECT_NEUTRAL:
                out.append(word if word.endswith(_INFLAMMATION) else stem)
    return out


def head_text(record) -> str:
    """A record's descriptor head as space-separated stems, stored per document at build time."""
    from codesearch.schema import stems  # late: schema imports this module

    return " ".join(descriptor_head(stems, record.long))


class DescriptorHeads:
    """Codes by the stems of their descriptor heads, for the head prior (also codes by their
    negated words, :func:`negated_text`, for :meth:`docs_negating`).

    Three arrays the build writes beside the records (:func:`head_arrays`, from each document's
    :func:`head_text`): the head stems in code-point order, each stem's range, and the documents
    of each stem in order. Memory-mapped, so a new process reads only the stems it looks up.
    """

    def __init__(self, stems: np.ndarray, offsets: np.ndarray, docs: np.ndarray):
        self.stems = stems
        self.offsets = offsets
        self.docs = docs
        self._found: dict[str, np.ndarray] = {}
        self._sizes: np.ndarray | None = None  # stems per document, counted on first need

    def docs_of(self, stem: str) -> np.ndarray:
        """The documents whose head holds ``stem``, in order (a binary search, remembered)."""
        got = self._found.get(stem)
        if got is None:
            i = int(np.searchsorted(self.stems, stem))
            found = i < len(self.stems) and self.stems[i] == stem
            got = self.docs[self.offsets[i]:self.offsets[i + 1]] if found else self.docs[:0]
            if len(self._found) > 100_000:
                self._found.clear()
            self._found[stem] = got
        return got

    def docs_named(self, parts: Sequence[set[str]], qualifiers: Iterable[str] = ()) -> np.ndarray:
        """Documents whose entry a query's parts name whole, sorted: every stem of the entry is a
        stem of some part or of ``qualifiers`` (the qualifying parts' stems), and every part has a
        stem in it (``parts``: each subject part's stems)."""
        if not parts or not all(parts):
            return np.zeros(0, dtype=np.int32)
        found = [self.docs_of(s) for s in set().union(*parts, qualifiers)]
        found = [f for f in found if len(f)]
        if not found:
            return np.zeros(0, dtype=np.int32)
        if self._sizes is None:
            self._sizes = np.bincount(self.docs).astype(np.int16)
        # Per document, how many of its stems the query says (a stem's documents are distinct, so
        # one add per stem counts them); a count array, not a sort: cheap however common a stem is.
        counts = np.zeros(len(self._sizes), dtype=self._sizes.dtype)
        for f in found:
            counts[f] += 1
        docs = np.flatnonzero((counts == self._sizes) & (counts > 0)).astype(np.int32)
        for stems in parts:
            if not len(docs):
                break
            said = np.zeros(len(self._sizes), dtype=bool)
            for s in stems:
                said[self.docs_of(s)] = True
            docs = docs[said[docs]]
        return docs

    def docs_about(self, stem_sets: Iterable[Sequence[str]]) -> np.ndarray:
        """Documents whose head holds every stem of at least one of ``stem_sets`` (may repeat)."""
        found = []
        for needed in stem_sets:
            if not needed:
                continue
            docs = self.docs_of(needed[0])
            for s in needed[1:]:
                if not len(docs):
                    break
                docs = np.intersect1d(docs, self.docs_of(s), assume_unique=True)
            if len(docs):
                found.append(docs)
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int32)

    def docs_negating(self, words: Sequence[str], stems: Sequence[tuple[str, ...]]) -> np.ndarray:
        """Documents negating every one of ``words`` (each given with its stems), in order: by
        its stem, or by the word itself where the descriptor uses the stem elsewhere."""
        docs = None
        for word, word_stems in zip(words, stems):
            if not word_stems:
                continue  # a stop word: searched nowhere
            by_stem, by_word = self.docs_of(word_stems[0]), self.docs_of(NEGATED_WORD_MARK + word)
            got = np.union1d(by_stem, by_word) if len(by_word) else by_stem
            docs = got if docs is None else np.intersect1d(docs, got, assume_unique=True)
            if not len(docs):
                break
        return docs if docs is not None else self.docs[:0]


def head_arrays(heads: Iterable[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stems in code-point order, offsets, documents) of :class:`DescriptorHeads` for the
    documents' head texts, in document order."""
    by_stem: dict[str, list[int]] = {}
    for doc, head in enumerate(heads):
        for s in set(head.split()):
            by_stem.setdefault(s, []).append(doc)
    stems = sorted(by_stem)
    offsets = np.zeros(len(stems) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(by_stem[s]) for s in stems])
    docs = np.fromiter((d for s in stems for d in by_stem[s]), dtype=np.int32, count=int(offsets[-1]))
    return np.array(stems, dtype=str), offsets, docs


def system_intent(systems: np.ndarray, scores: np.ndarray, candidates: Sequence[str]) -> str | None:
    """The system a query is about, from the codes it matched best, or None when unclear.

    ``systems`` and ``scores`` are those of the documents matching the most query parts. Each
    system's strength is the mean of its best :data:`INTENT_TOP` scores: a system where many
    codes are strongly *about* the query wins over one where a single code mentions it. The
    strongest system is the intent when it beats the next by :data:`INTENT_MARGIN`.
    """
    strength = []
    for system in candidates:
        s = scores[systems == system]
        if len(s) == 0:
            strength.append(0.0)
            continue
        top = np.partition(s, len(s) - INTENT_TOP)[-INTENT_TOP:] if len(s) > INTENT_TOP else s
        strength.append(float(top.sum()) / INTENT_TOP)
    if not strength:
        return None
    order = np.argsort(strength)[::-1]
    best = strength[order[0]]
    runner = strength[order[1]] if len(order) > 1 else 0.0
    if best > 0 and best >= INTENT_MARGIN * runner:
        return candidates[order[0]]
    return None


def device_codes(codes: np.ndarray, systems: np.ndarray,
                 categories: Sequence[str] = ICD_DEVICE_CATEGORIES) -> np.ndarray:
    """True for each ICD-10-CM code of :data:`ICD_DEVICE_CATEGORIES` (or of ``categories``:
    :data:`ICD_DRUG_CATEGORIES`)."""
    codes = np.asarray(codes, dtype=str)
    got = np.zeros(len(codes), dtype=bool)
    for prefix in categories:
        got |= np.char.startswith(codes, prefix)
    return got & (np.asarray(systems) == "ICD10CM")


def condition_parts(about: Sequence[np.ndarray], category: np.ndarray, hcpcs: np.ndarray) -> np.ndarray:
    """For each query part (given by the documents whose heads it names, ``about``), whether it is
    a condition word: the head of codes in more ICD-10-CM categories outside
    :data:`ICD_DEVICE_CATEGORIES` (``category``: each document's category number, -1 for none)
    than :data:`CONDITION_HEAD_RATIO` times the HCPCS codes it heads (``hcpcs``, a mask).
    "infected", "dependent", "pain" are; "pacemaker", "tube", "wheelchair" are not."""
    out = np.zeros(len(about), dtype=bool)
    for p, docs in enumerate(about):
        headed = np.unique(docs[hcpcs[docs]])  # few: the HCPCS codes are counted once each
        cats = category[docs]
        cats = cats[cats >= 0]  # a category counted once however often it is listed
        out[p] = (np.count_nonzero(np.bincount(cats)) if len(cats) else 0) > CONDITION_HEAD_RATIO * len(headed)
    return out


#: HCPCS sections of services and drugs (not equipment, orthotics or supplies): procedures and
#: professional services (G), drugs (J), miscellaneous services and drugs (Q), temporary codes (S),
#: behavioral health (H), state Medicaid services (T), laboratory (P).
SERVICE_SECTIONS = ("G", "J", "Q", "S", "H", "T", "P")


def service_parts(about: Sequence[np.ndarray], hcpcs: np.ndarray, icd: np.ndarray, service: np.ndarray) -> np.ndarray:
    """For each query part (given by the documents whose heads it names, ``about``), whether it
    names a service or drug: it heads HCPCS codes (``hcpcs``, a mask), mostly of
    :data:`SERVICE_SECTIONS` (``service``, a mask), and no ICD-10-CM code (``icd``, a mask).
    "injection", "screening", "counseling" are; "pacemaker" (a device), "anemia" and
    "rehabilitation" (ICD-10-CM codes are headed by it too) are not."""
    out = np.zeros(len(about), dtype=bool)
    for p, docs in enumerate(about):
        if not len(docs) or icd[docs].any():
            continue
        found = np.unique(docs[hcpcs[docs]])
        out[p] = len(found) > 0 and 2 * int(service[found].sum()) > len(found)
    return out


def item_parts(about: Sequence[np.ndarray], hcpcs: np.ndarray, icd: np.ndarray) -> np.ndarray:
    """For each query part (given by the documents whose heads it names, ``about``), whether it
    names a HCPCS item of any section — a device, supply or orthosis as well as a service: it
    heads HCPCS codes (``hcpcs``, a mask) and no ICD-10-CM code (``icd``, a mask): "nebulizer",
    "walker", "crutches", "cpap". Whether such a part is the query's subject also depends on the
    other parts (an ICD-10-CM code may name the item with them: "infected foley catheter"),
    which :meth:`Searcher._context_parts` decides."""
    return np.array([bool(hcpcs[docs].any()) and not icd[docs].any() for docs in about], dtype=bool)


def family_system_order(typed: Sequence[str]) -> tuple[str, ...]:
    """The order systems are listed in for typed code families (dotted ones are ICD-10-CM)."""
    if any("." in t for t in typed):
        return (DOTTED_FAMILY_SYSTEM,) + tuple(s for s in FAMILY_SYSTEM_ORDER if s != DOTTED_FAMILY_SYSTEM)
    return FAMILY_SYSTEM_ORDER


def word_sort_keys(inactive: np.ndarray, modifier: np.ndarray, missed: np.ndarray,
                   other_system: np.ndarray, later: np.ndarray, score: np.ndarray,
                   docs: np.ndarray) -> tuple[np.ndarray, ...]:
    """The sort key of a word query's results as ``np.lexsort`` keys: documents first, then the
    negated score, then integer tiers; the last is the most significant.

    ``missed`` counts the subject parts a code does not match (qualifiers only add to the
    score); ``other_system`` is 1 for codes outside the query's intended system; ``later`` is 1
    for an ICD-10-CM subsequent encounter or sequela (7th character other than
    :data:`ICD_INITIAL_ENCOUNTER`).
    """
    return (docs, -score, later, other_system, missed, modifier, inactive)
