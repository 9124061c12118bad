"""Named families for what a note says about vision, when to come back and the past, and for the questions.

The dimensions here (VA phrasing, VA scale, question wording, interval, history) follow the same rules as
those in families.py: one family per dimension per note, disjoint, each with a weight, an example and
``fits(note)``.
"""
from __future__ import annotations

import random
from typing import Callable

from .families import Family
from .vocab import CHARTS, DIAGNOSES, INTERVAL_WORDS, INTERVALS, LOGMAR, LOW_VISION, UNITS, case, other_drug

# ---- VA phrasing: impl = the label words (None: no label) --------------------------------------------
VA = {
    "short": Family(4, "`VA 6/12-1`, `V/A R 6/9, L 20/40`, `vis LE 0.48 logMAR`", ["VA", "VA", "V/A", "vis", "VA:"]),
    # Without a label the eye markers are what says "this is VA", so a lone unmarked value cannot go bare.
    "bare": Family(0.6, "`R 6/9, L 6/12`", None, lambda n: not n.lone),
    "word": Family(1.2, "`Vision: right 6/9, left 6/12`, `Acuity 0.48`", ["Vision:", "Acuity", "Visual acuity",
                                                                          "vision"]),
    "marker_label": Family(1, "`RE VA 6/9, LE VA 6/12`", ["VA", "VA:", "vis"],
                           lambda n: not n.lone and n.fam.get("treatment") != "blocks"),
    # The value before its eye: needs a notation that may follow what it marks (not `L:`).
    "value_marker": Family(1, "`VA 20/30 OD, 20/50 OS`, `6/9 RE 6/12 LE`", ["VA", "VA:", "V/A", None],
                           lambda n: not n.lone and n.suffix_ok and n.fam.get("treatment") != "blocks"),
    "sentence": Family(0.8, "`vision was 6/9 in RE and 6/12 in LE`", ["vision was", "acuity measured", "she read",
                                                                       "he saw", "VA today"],
                       lambda n: not n.lone and n.suffix_ok and n.fam.get("treatment") != "blocks"),
}


# ---- VA scale: impl(rng) -> (answer text, untagged tokens after it such as a pinhole value) -------------
def _snellen(chart: list[str]) -> Callable:
    def draw(rng: random.Random) -> tuple[str, list[str]]:
        i = rng.randrange(len(chart))
        value = chart[i] + (rng.choice(["-1", "-2", "+1", "+2"]) if rng.random() < 0.2 else "")
        # Pinhole only ever improves on the unaided line, so draw it from the better lines.
        return value, [case(rng, "ph"), rng.choice(chart[:i])] if i > 1 and rng.random() < 0.15 else []
    return draw


def _logmar(rng: random.Random) -> tuple[str, list[str]]:
    value, unit = rng.choice(LOGMAR), case(rng, "logMAR")
    return rng.choice([value, f"{value} {unit}", f"{unit} {value}"]), []


def _letters(rng: random.Random) -> tuple[str, list[str]]:
    return f"{rng.randint(15, 90)} {case(rng, 'letters')}", []


VA_SCALE = {
    "metric": Family(5, "`6/9`, `6/12-1`, `6/18 ph 6/9`", _snellen(CHARTS["metric"])),
    "imperial": Family(2, "`20/40`, `20/30+2`", _snellen(CHARTS["imperial"])),
    "logmar": Family(2, "`0.30`, `0.48 logMAR`, `logMAR 0.1`", _logmar),
    "letters": Family(1, "`72 letters` (ETDRS)", _letters),
}


def acuity(name: str, rng: random.Random) -> tuple[str, list[str]]:
    if rng.random() < 0.07:
        return rng.choice(LOW_VISION), []
    return VA_SCALE[name].impl(rng)


# ---- question wording: impl = (drug, VA of an eye, VA of the patient) templates; {e}/{E} = left, Left ----
QUESTION = {
    "canonical": Family(4, "What is the drug used on the left eye?", (
        ["What is the drug used on the {e} eye?"], ["What is the visual acuity of the {e} eye?"],
        ["What is the visual acuity of this patient?"])),
    "variant": Family(3, "Which drug was injected in the left eye? / What is the VA in the right eye?", (
        ["Which drug was injected in the {e} eye?", "What drug is the {e} eye on?",
         "What was injected into the {e} eye?"],
        ["What is the VA in the {e} eye?", "What is the vision in the {e} eye?"],
        ["What is the patient's VA?", "What is the visual acuity?"])),
    "medication": Family(1.2, "Which medication did the right eye receive?", (
        ["Which medication did the {e} eye receive?", "What medication was given to the {e} eye?",
         "Which agent was injected into the {e} eye?"],
        ["What was the visual acuity of the {e} eye?", "What acuity was recorded for the {e} eye?"],
        ["What acuity was recorded?", "What was the patient's visual acuity?"])),
    "casual": Family(1, "What did the left eye get today?", (
        ["What did the {e} eye get today?", "What went into the {e} eye?"],
        ["How well does the {e} eye see?", "What did the {e} eye read?"],
        ["How well does the patient see?", "What did the patient read?"])),
    "terse": Family(1, "VA left eye?", (
        ["Drug {e} eye?", "{E} eye drug?"], ["VA {e} eye?", "{E} eye VA?"], ["VA?", "Vision?"])),
    "imperative": Family(1, "Name the drug given to the left eye.", (
        ["Name the drug given to the {e} eye.", "State the {e} eye's injection.", "Give the {e} eye's drug."],
        ["Give the {e} eye's visual acuity.", "State the acuity of the {e} eye."],
        ["Give the patient's visual acuity.", "State the acuity."])),
    "possessive": Family(1, "What was the right eye's drug?", (
        ["What was the {e} eye's drug?", "What's the {e} eye's treatment?", "The {e} eye got which drug?"],
        ["What was the {e} eye's vision?", "What's the {e} eye's VA?"],
        ["What's the VA?", "What vision was recorded?"])),
}

# Training-only (Detail.PROCEDURE_WORDING), in no family, so no split is scored on them: how clinicians ask about
# a treated note, the acuity *before the injection* above all (its answer is never the drug). None borrows a
# held-out family's surface ("Which medication did the left eye receive?", "the left eye's drug").
CLINICIAN_WORDING = (
    ["{E} eye injection?", "Which drug did the {e} eye have?", "Injection in the {e} eye?",
     "Which drug went into the {e} eye?"],
    ["{E} eye vision before the injection?", "What was the VA of the {e} eye before injection?",
     "Pre-injection vision in the {e} eye?", "What was the {e} eye acuity before the injection?",
     "VA of the {e} eye prior to injecting?"],
    ["Vision before the injection?", "What was the VA before injecting?", "Pre-injection acuity?"])


# ---- interval: impl(rng) -> tokens -----------------------------------------------------------------
def _spelled(rng: random.Random) -> list[str]:
    count, unit = rng.choice(INTERVALS).split("/")
    word = case(rng, rng.choice(INTERVAL_WORDS))
    return [word] + (["in"] if rng.random() < 0.4 else []) + [count, rng.choice(UNITS[unit])]


INTERVAL = {
    "value_word": Family(1, "`4/52 rev`", lambda rng: [rng.choice(INTERVALS), case(rng, rng.choice(INTERVAL_WORDS))]),
    "word_value": Family(1.5, "`r/v 6/52`, `review in 3/12`", lambda rng: [case(rng, rng.choice(INTERVAL_WORDS))]
                         + (["in"] if rng.random() < 0.3 else []) + [rng.choice(INTERVALS)]),
    "spelled": Family(1, "`review in 6 weeks`, `f/u 3 mths`", _spelled),
}


# ---- history: impl(note) -> tokens ---------------------------------------------------------------
def _age(rng: random.Random) -> str:
    return f"{rng.randint(45, 95)}{rng.choice('MF')}"


def _old(n) -> str:
    return n.case(other_drug(n.rng, n.current))


def _short(n) -> list:
    dx = n.rng.choice(DIAGNOSES)
    return n.rng.choice([[dx], ["hx", dx], ["pt", _age(n.rng), dx]])


def _previous(n) -> list:
    # An earlier drug named before the current one is the distractor a model must learn to skip.
    rng = n.rng
    eye = rng.choice([n.mark("L"), n.mark("R"), "both eyes"]) if n.suffix_ok else "both eyes"
    return (["pt", _age(rng), "hx", rng.choice(DIAGNOSES), eye, "since", str(rng.randint(2012, 2024)), ",",
             rng.choice(["prev", "switched from"]), _old(n), f"x{rng.randint(3, 12)}"]
            + rng.choice([[], ["+", "PRP"], [",", "T2DM"], ["-", "poor response"]]))


def _sentence(n) -> list:
    rng = n.rng
    head = [f"{rng.randint(45, 95)}yo", rng.choice(["M", "F", "male", "female"]), "with", rng.choice(DIAGNOSES)]
    return head + rng.choice([[], [",", "previously", "on", _old(n)], [",", "had", _old(n), f"x{rng.randint(2, 9)}",
                                                                       "before"]])


HISTORY = {
    "short": Family(3, "`hx wAMD`, `pt 81F DMO`, `PCV`", _short),
    "previous": Family(2, "`pt 78M hx RVO L since 2019, prev avastin x6 + PRP`", _previous),
    "sentence": Family(1.5, "`81yo female with DMO, previously on lucentis`", _sentence),
}
