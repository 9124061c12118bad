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
VERBS = ["inj", "IVI", "cont", "tx"]


def case(rng: random.Random, word: str) -> str:
    """Clinicians type fast: mostly as-is, sometimes lower, Capitalised or shouted."""
    return rng.choices([word, word.lower(), word.capitalize(), word.upper()], [6, 2, 2, 1])[0]


def other_drug(rng: random.Random, current: set[str]) -> str:
    """An earlier drug for a history or a switch: never one of the note's current drugs, in any spelling,
    so a distractor can never be mistaken for (or coincide with) an answer."""
    return rng.choice(rng.choice([d for d in DRUGS if not current & set(d)]))
