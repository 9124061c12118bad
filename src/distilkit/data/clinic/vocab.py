"""Word lists of the clinic-note grammar: what a note talks about, shared by every surface family.

These are content, not surface: a drug, a diagnosis or a fee reads the same in every family, so they
are not split into families (holding out ``lucentis`` would test vocabulary, not phrasing).
"""
from __future__ import annotations

import random

# Brand and generic spellings; a both-eye note with two drugs draws two different kinds so its answers differ.
DRUGS = [["eylea", "aflibercept"], ["lucentis", "ranibizumab"], ["avastin", "bevacizumab"],
         ["vabysmo", "faricimab"], ["beovu", "brolucizumab"], ["ozurdex", "dexamethasone implant"],
         ["triesence", "triamcinolone"], ["iluvien"], ["eylea hd", "aflibercept 8mg"], ["byooviz"]]
CHARTS = {"metric": ["6/5", "6/6", "6/9", "6/12", "6/18", "6/24", "6/36", "6/60"],
          "imperial": ["20/20", "20/30", "20/40", "20/60", "20/80", "20/200"]}
LOGMAR = ["0.00", "0.1", "0.18", "0.20", "0.30", "0.3", "0.48", "0.5", "0.60", "1.00"]
LOW_VISION = ["CF", "HM", "PL", "cf", "hm"]  # too poor for any chart, so every scale family may write them
# Intervals share the shape of Snellen values on purpose (6/12 months, 6/12 vision): a trap to learn.
INTERVALS = ["4/52", "4/52", "6/52", "8/52", "5/52", "12/52", "3/12", "2/12", "6/12", "1/7", "2/7"]
INTERVAL_WORDS = ["rev", "r/v", "review", "f/u", "rv"]
UNITS = {"52": ["weeks", "wks", "weeks"], "12": ["months", "mths"], "7": ["days", "days"]}
DIAGNOSES = ["wAMD", "AMD", "nAMD", "DMO", "RVO", "BRVO", "CRVO", "CMO", "PDR", "PCV"]
FLUID = ["OCT dry", "dry macula", "SRF", "IRF", "SRF + IRF", "no SRF", "fluid resolved"]
REMARKS = ["CMO improving", "stable", "cont tx", "T&E", "IOP 14", "IOP 16", "IOP 21", "pt happy", "no new haem"]
# Pre-injection prep and drops: drug-like words next to the injection that are never the answer.
PREP = ["povidone iodine 5%", "povidone 5%", "betadine", "chlorhexidine", "G. tetracaine", "G. proxymetacaine",
        "G. chloramphenicol", "chloramphenicol drops", "iodine wash", "lidocaine gel"]
FEES = [95, 95, 120, 150, 85, 250]
# The usual dose of each drug: written after it ("eylea 2mg", "lucentis 0.5mg/0.05ml"), never part of the answer.
# A product whose name carries its dose ("aflibercept 8mg", "eylea hd") gets none, as clinicians write it.
DOSES = {"eylea": "2mg", "aflibercept": "2mg", "lucentis": "0.5mg", "ranibizumab": "0.5mg", "byooviz": "0.5mg",
         "avastin": "1.25mg", "bevacizumab": "1.25mg", "vabysmo": "6mg", "faricimab": "6mg", "beovu": "6mg",
         "brolucizumab": "6mg", "ozurdex": "0.7mg", "dexamethasone implant": "0.7mg", "triesence": "4mg",
         "triamcinolone": "4mg", "iluvien": "0.19mg"}
DOSE_FORMS = ["{d}", "{d}", "{d}/0.05ml", "({d})", "{d} in 0.05ml", "0.05ml"]
# What an injection note records beside the injection: procedure, batch and safety checks. Numbers shaped
# like acuities ("exp 03/27", "IOP 16/18") and a post-injection count-fingers check are traps for VA answers.
PROCEDURE = ["consent signed", "consent obtained", "WHO checklist done", "lot {lot}", "batch {lot}", "exp {exp}",
             "post inj CF", "CF post-inj", "post inj HM, IOP {iop}", "IOP {iop}/{iop2}", "no AC reaction",
             "speculum, 30G needle", "pt tolerated well", "inferotemporal, 4mm from limbus"]
VERBS = ["inj", "IVI", "cont", "tx"]
# An untreated eye's per-eye block (procedure-blocks detail): words where a drug would be, never an answer.
UNTREATED = ["observe", "obs", "no inj", "no tx", "not treated", "dry, observe", "no IVI today", "monitor"]


def case(rng: random.Random, word: str) -> str:
    """Clinicians type fast: mostly as-is, sometimes lower, Capitalised or shouted."""
    return rng.choices([word, word.lower(), word.capitalize(), word.upper()], [6, 2, 2, 1])[0]


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard, never on the first letter: two letters swapped, one dropped or doubled
    ("aflibercpet", "Eyela", "lucenntis"). The answer is the word as written, slip included."""
    first = word.split()[0]  # "eylea hd": the slip falls in the name, not the suffix
    i = rng.choice([k for k in range(1, len(first) - 1) if first[k].isalpha() and first[k + 1].isalpha()])
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:] if kind == "drop" else word[:i] + word[i] + word[i:]


def other_drug(rng: random.Random, current: set[str]) -> str:
    """An earlier drug for a history or a switch: never one of the note's current drugs, in any spelling,
    so a distractor can never be mistaken for (or coincide with) an answer."""
    return rng.choice(rng.choice([d for d in DRUGS if not current & set(d)]))
