"""Writers for small publisher-format files the tests build themselves."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

HEADER = [
    "HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "PRICE1", "PRICE2",
    "PRICE3", "PRICE4", "MULT_PI", "CIM1", "CIM2", "CIM3", "MCM1", "MCM2", "MCM3", "STATUTE",
    "LABCERT1", "LABCERT2", "LABCERT3", "LABCERT4", "LABCERT5", "LABCERT6", "LABCERT7",
    "LABCERT8", "XREF1", "XREF2", "XREF3", "XREF4", "XREF5", "COV", "ASC_GRP", "ASC_DT", "OPPS",
    "OPPS_PI", "OPPS_DT", "PROCNOTE", "BETOS", "TOS1", "TOS2", "TOS3", "TOS4", "TOS5",
    "ANEST_BU", "ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD",
]


def hcpcs_row(code, long, short, *, recid="3", price="51", cov="C", betos="O1E", add="20080101",
              eff="20080101", term="", action="N", xref="", seq="0010"):
    """One row of the HCPCS alpha-numeric workbook, in CMS's column order."""
    row = dict.fromkeys(HEADER, "")
    row.update({
        "HCPC": code, "SEQNUM": seq, "RECID": recid, "LONG DESCRIPTION": long,
        "SHORT DESCRIPTION": short, "PRICE1": price, "COV": cov, "BETOS": betos,
        "ADD DT": add, "ACT EFF DT": eff, "TERM DT": term, "ACTION CD": action, "XREF1": xref,
        "MULT_PI": "A", "TOS1": "1",
    })
    return [row[c] for c in HEADER]


#: A tiny release: drugs, DME, a terminated code, a two-line description and a modifier.
TINY_ROWS = [
    hcpcs_row("   GA", "Waiver of liability statement issued as required by payer policy",
              "Waiver of liability stmt", recid="7", price="", betos=""),
    hcpcs_row("E0601", "Continuous positive airway pressure (cpap) device", "Cont airway pressure device",
              price="36", cov="D", betos="D1E", add="19880101", eff="20140101"),
    hcpcs_row("J1566", "Injection, immune globulin, intravenous, lyophilized (e.g., powder), "
              "not otherwise specified, 500 mg", "Immune globulin, powder"),
    hcpcs_row("J1568", "Injection, immune globulin, (octagam), intravenous, non-lyophilized "
              "(e.g., liquid), 500 mg", "Octagam injection"),
    hcpcs_row("J1569", "Injection, immune globulin, (gammagard liquid), non-lyophilized, "
              "(e.g., liquid), 500 mg", "Gammagard liquid injection"),
    hcpcs_row("J9271", "Injection, pembrolizumab, 1 mg", "Inj pembrolizumab", betos="O1D"),
    hcpcs_row("J9999", "Not otherwise classified, antineoplastic drugs, with a longer description",
              "Chemotherapy drug", betos="O1D"),
    hcpcs_row("J9999", "that continues on a second line", "", recid="4", seq="0020"),
    hcpcs_row("Q0000", "Injection, retired test drug, 1 mg", "Retired drug", term="20201231",
              action="D", xref="J9271"),
]


def write_xlsx(path: Path, rows=None, *, header=None, sheet="HCPC2025_OCT_ANWEB") -> Path:
    """Write a workbook laid out like CMS's alpha-numeric HCPCS file."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header or HEADER)
    for row in TINY_ROWS if rows is None else rows:
        ws.append(row)
    wb.save(path)
    return path


def write_zip(path: Path, xlsx: Path) -> Path:
    """Wrap a workbook in a quarterly-release style ZIP beside other files."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("HCPC2025_OCT_README.txt", "release notes")
        zf.write(xlsx, "HCPC2025_OCT_ANWEB.xlsx")
        zf.writestr("HCPC2025_OCT_ANWEB_v2.txt", "fixed width")
    return path


CROSSWALK_HEADER = ("_2026_CODE,Short Description,LABELER NAME,NDC2,Drug Name,HCPCS dosage,"
                    "PKG SIZE,PKG QTY,BILLUNITS,BILLUNITSPKG")
CROSSWALK_ROWS = [
    'J1568,"Octagam injection",Octapharma USA Inc,68982-0840-01,Octagam ,500 MG,1,1,2,2',
    'J1568,"Octagam injection",Pfizer Inc,00069-6002-02,Octagam,500 MG,20,1,4,4',
    'J9271,"Inj pembrolizumab","Merck Sharp & Dohme LLC",00006-3026-02,Keytruda,1 MG,4,1,100,100',
    'J9271,"Inj pembrolizumab","Laboratoires Pierre Fabre",12345-0001-01,Keytrüda Test,1 MG,4,1,100,100',
]


def write_crosswalk(path: Path, rows=None, *, header=CROSSWALK_HEADER, encoding="latin-1") -> Path:
    """Write a crosswalk CSV the way CMS ships it: banner rows, trailing empty columns, latin-1."""
    pad = "," * 12
    lines = [
        "January 2026 ASP NDC - HCPCS Crosswalk for Medicare Part B Drugs" + pad,
        '"     Effective January 1, 2026 through March 31, 2026"' + pad,
        pad,
        '"The ASP crosswalks are maintained by CMS, for tests."' + pad,
        pad, pad, pad, pad,
        header + pad,
    ]
    lines += [r + pad for r in (CROSSWALK_ROWS if rows is None else rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


ABBREVIATIONS = "abbreviation\texpansion\tnote\nIVIG\timmune globulin intravenous\t\nCPAP\tcontinuous positive airway pressure\t\n"
INVENTORY = (
    "# generated (a test's stand-in for tools/derive_abbreviations.py output)\n"
    "abbreviation\tsense\tfrequency\tsources\tcui\n"
    "CP\tchest pain\t0.6013\tstetson,vanderbilt_clinic\tC0008031\n"
    "CP\tcerebral palsy\t0.2662\tvanderbilt_discharge\tC0007789\n"
    "HTN\thypertension\t1.0000\tstetson\tC0020538\n"
)
PLAIN = "term\tplain\nimmune globulin\tantibodies\nintravenous\tinfusion\ncontinuous positive airway pressure\tbreathing machine for sleep apnea\n"
LAY = (
    "lay\tclinical\tkind\n"
    "belly\tabdominal\tanatomy\nbruise\tcontusion\tcondition\nkidney\tnephr-\tanatomy\n"
    "stone\tcalculus\tcondition\nstone\t-lith-\tcondition\nhigh\thyper-\tmodifier-word\n"
    "potassium\t-kal-\tsubstance\nshot\tinjection\tprocedure\npink eye\tconjunctivitis\tidiom\n"
)
HPO = (
    "lay\tclinical\thpo\n# generated (a test's stand-in for tools/derive_lay_hpo.py output)\n"
    "ringing in the ears\ttinnitus\tHP:0000360\n"
)
FDA_BRANDS = "brand\tgeneric\n# generated (a test's stand-in for tools/derive_brands_fda.py output)\ngamunex\timmune globulin\n"
INDICATIONS = ("condition\tdrug\n# generated (a test's stand-in for tools/derive_indications.py output)\n"
               "immunodeficiency\timmune globulin\n")
DRUG_CLASSES = ("drug\tclass\n# generated (a test's stand-in for tools/derive_drug_classes.py output)\n"
                "warfarin\tanticoagulant\n")
HPO_ABBREVIATIONS = "abbreviation\tsense\thpo\nDCM\tdilated cardiomyopathy\tHP:0001644\n"
SECTIONS = "kind\tkey\ttext\nsection\tJ\tMedicines given by injection or infusion.\nbetos\tD1E\tMedical equipment used at home.\n"


def write_lexicon(folder: Path) -> Path:
    """A small authored lexicon in the project's TSV formats."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abbreviations.tsv").write_text(ABBREVIATIONS, encoding="utf-8")
    (folder / "abbreviations_inventory.tsv").write_text(INVENTORY, encoding="utf-8")
    (folder / "plain_language.tsv").write_text(PLAIN, encoding="utf-8")
    (folder / "sections.tsv").write_text(SECTIONS, encoding="utf-8")
    (folder / "lay_words.tsv").write_text(LAY, encoding="utf-8")
    (folder / "lay_hpo.tsv").write_text(HPO, encoding="utf-8")
    (folder / "brands_fda.tsv").write_text(FDA_BRANDS, encoding="utf-8")
    (folder / "abbreviations_hpo.tsv").write_text(HPO_ABBREVIATIONS, encoding="utf-8")
    (folder / "indications.tsv").write_text(INDICATIONS, encoding="utf-8")
    (folder / "drug_classes.tsv").write_text(DRUG_CLASSES, encoding="utf-8")
    return folder


def write_corpus(root: Path) -> Path:
    """A data directory laid out like ../shared/corpus, with the tiny files."""
    (root / "hcpcs").mkdir(parents=True, exist_ok=True)
    (root / "asp_crosswalk").mkdir(parents=True, exist_ok=True)
    write_xlsx(root / "hcpcs" / "HCPC2025_OCT_ANWEB.xlsx")
    write_crosswalk(root / "asp_crosswalk" / "January 2026 ASP NDC-HCPCS Crosswalk (Level II).csv")
    return root


def load_tool(name: str):
    """A development tool of ``tools/`` (no package) loaded as the module ``name``."""
    import importlib.util
    import sys

    from codesearch.config import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the tool loads
    spec.loader.exec_module(module)
    return module
