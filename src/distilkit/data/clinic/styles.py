"""Training notes in styles the grammar does not write (``make-clinic-data --train-styles SHARE``; styled.py puts them
in the training stream and asks their questions).

The first model trained with unanswerable questions still read the other eye's drug, at 0.9 and more, from letters
and nurse injection records that name one eye, or name the other only to say it had nothing (issue 33): the grammar's
unanswerable questions were mostly a one-eye shorthand note asked about the other eye, with the drug beside its
marker. These notes are written by other hands (``STYLES``), each from content of its own:

- ``letter``: a letter to the GP, in sentences (`Dear Dr Hughes, I injected eylea into her right eye today. I did not
  inject the left eye. She read 6/9 in the right eye.`);
- ``nurse``: a nurse injector's record of one eye, named once, far from the drug and from an unmarked pre-injection
  acuity that both belong to it (`Procedure note. RE site marked. Povidone 5%. Lucentis 0.5mg injected. VA (pre) 6/12.
  Post-inj CF. LE obs`), a cancelled injection or a two-eye record now and then;
- ``one_eye``: shorthand whose other eye is named only to say it is not treated (`OS avastin (VA 6/24), OD obs`,
  `no treatment to right eye / left eye lucentis only`), or the treated eye only (`r) eylea only`).

In every style both eyes may be treated, or none (an observation visit, an earlier drug in the history), so that the
style is no cue for "no answer". Their surface comes only from the families the split allows (eye notation, acuity
scale, review interval, separator, question wording; nothing of a held-out family: no `Vision:` label, no
`<drug> injection to <eye>`, no `<eye>: <drug> given`), and a note records the families it shows.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from .detail import procedure_line
from .draft import Draft
from .vocab import DIAGNOSES, PREP

NAMES = ["Hughes", "Rossi", "Kowalski", "Evans", "Ahmed", "Walker", "Chen", "Morgan", "Fischer", "O'Brien"]
# Between a record's lines or a shorthand's parts: never a space alone (`L.E. inj ozurdex R.E. no tx` would not say
# whose the drug is where a notation may follow what it marks).
RECORD_SEPARATORS = ("period", "newline", "comma", "dash", "slash")
IMPLANTS = {"ozurdex", "iluvien"}  # `Ozurdex implant inserted` answers `Ozurdex` (`dexamethasone implant` is one drug)


# ---- letter ---------------------------------------------------------------------------------------------------
def letter(d: Draft) -> tuple[list[list], list[str]]:
    rng, t, o, she, her = d.rng, d.t, d.o, d.she.capitalize(), d.her
    him, who = ("her", "lady") if d.she == "she" else ("him", "gentleman")
    # No `Re: Mrs ...` heading: `Re` reads as the right eye where the note writes `RE`.
    head = rng.choice([["Dear", "Dr", rng.choice(NAMES) + ","], ["Dear", "GP,"], ["Dear", "Colleague,"]])
    intro = rng.choice([["I", "reviewed", him, "in", "clinic", "today", "."], ["Your", "patient", "attended", "clinic",
                        "today", "."], ["Many", "thanks", "for", "asking", "me", "to", "see", "this", who, "."],
                        ["Follow-up", "for", rng.choice(DIAGNOSES), "."], []])
    one = [lambda m: ["I", "injected", *d.d(t), "into", her, m, "today", "."],
           lambda m: [she, "received", "an", "injection", "of", *d.d(t), "in", "the", m, "."],
           lambda m: ["We", "gave", *d.d(t), "to", "the", m, "today", "."],
           lambda m: ["The", m, "was", "treated", "with", *d.d(t), "."],
           lambda m: ["I", "have", "started", "treatment", "with", *d.d(t), "in", her, m, "."],
           lambda m: ["We", "continued", *d.d(t), "in", "the", m, "."],
           lambda m: ["I", "injected", "the", m, "only", "with", *d.d(t), "."],
           lambda m: [*d.d(t, dose=False), "was", "injected", "into", "the", m, "only", "."]]
    untreated = [lambda m: ["The", m, "does", "not", "need", "treatment", "at", "present", "."],
                 lambda m: ["The", m, "is", "quiet", "and", "was", "not", "injected", "."],
                 lambda m: ["No", "treatment", "to", "the", m, "today", "."],
                 lambda m: ["The", m, "remains", "dry", ",", "so", "we", "will", "observe", "it", "."],
                 lambda m: ["I", "did", "not", "inject", "the", m, "."],
                 lambda m: [her.capitalize(), m, "is", "inactive", "and", "did", "not", "need", "an", "injection", "."],
                 lambda m: ["We", "will", "keep", "the", m, "under", "observation", "."]]
    body = []
    if d.scenario in ("one", "one_other"):
        body.append(rng.choice(one)(d.m(t)))
        if d.scenario == "one_other":
            body.insert(0 if rng.random() < 0.3 else 1, rng.choice(untreated)(d.m(o)))  # mostly after
    elif d.scenario == "two":
        body.append(rng.choice([
            lambda: ["Both", "eyes", "were", "treated", "today", ":", *d.d(t), "to", "the", d.m(t), "and", *d.d(o),
                     "to", "the", d.m(o), "."],
            lambda: ["I", "injected", *d.d(t), "into", "the", d.m(t), "and", *d.d(o), "into", "the", d.m(o), "."],
            lambda: ["The", d.m(t), "received", *d.d(t), "and", "the", d.m(o), *d.d(o), "."]])())
    elif d.scenario == "same":
        body.append(rng.choice([lambda: ["Both", "eyes", "had", *d.d("B"), "today", "."],
                                lambda: ["I", "gave", "bilateral", *d.d("B"), "."],
                                lambda: ["I", "injected", *d.d(t), "into", "the", d.m(t), "and", *d.d(o), "into",
                                         "the", d.m(o), "."]])())
    else:  # no treatment today
        body.append(rng.choice([["No", "treatment", "was", "needed", "today", "."],
                                ["An", "injection", "was", "not", "indicated", "today", "."],
                                ["We", "will", "observe", "for", "now", "."]]))
        body += [rng.choice(untreated)(d.m(e)) for e in d.named if rng.random() < 0.5]
    if rng.random() < (0.5 if d.scenario == "none" else 0.2):  # an earlier drug, never today's answer
        m = d.m(rng.choice(d.named))
        body.insert(0, rng.choice([[she, "had", d.old, "to", "the", m, rng.choice(["last year", "in 2021",
                                                                                    "some time ago"]), "."],
                                   ["The", m, "was", "previously", "treated", "with", d.old, "."]]))
    review = d.interval()
    sentences = [intro, *body, _letter_va(d), review + ["."] if review else [],
                 rng.choice([["Kind", "regards"], ["Yours", "sincerely"], []])]
    sentences = [head] + [s for s in sentences if s]
    return sentences, [rng.choice([" ", "\n"])] + [" "] * (len(sentences) - 2)


def _letter_va(d: Draft) -> list:
    rng, her = d.rng, d.her.capitalize()
    eyes = list(d.va)
    if len(eyes) == 2:
        a, b = eyes
        if d.scenario == "two" and eyes == [d.t, d.o] and rng.random() < 0.4:  # the order of the sentence before
            return [*rng.choice([["VA", "today", "was"], [d.she.capitalize(), "read"]]), *d.v(a), "and", *d.v(b),
                    "respectively", "."]
        return rng.choice([lambda: [her, "vision", "was", *d.v(a), "in", "the", d.m(a), "and", *d.v(b), "in", "the",
                                    d.m(b), "."],
                           lambda: [d.she.capitalize(), "read", *d.v(a), "in", "the", d.m(a), "and", *d.v(b), "in",
                                    "the", d.m(b), "."]])()
    if eyes:
        (a,) = eyes
        return rng.choice([lambda: [her, d.m(a), "vision", "was", *d.v(a), "."],
                           lambda: [d.she.capitalize(), "read", *d.v(a), "in", "the", d.m(a), "."],
                           lambda: ["VA", "today", *d.v(a), "in", "the", d.m(a), "."]])()
    return ["VA", "was", "not", "recorded", "today", "."] if rng.random() < 0.3 else []


# ---- nurse injector's record -------------------------------------------------------------------------------------
def nurse(d: Draft) -> tuple[list[list], list[str]]:
    rng, t, o = d.rng, d.t, d.o
    lines = [rng.choice([["Nurse", "IVI", "record"], ["IVI", "(nurse)"], ["Treatment", "room"], ["Injector:", "RN"],
                         ["Procedure", "note"], ["Nurse-led", "IVI", "clinic"]])]
    prep = rng.choice(PREP).split()
    done = 0 if d.scenario == "none" else rng.randint(0, 2)  # consent, lot, post-injection check
    middle = list({" ".join(line): line for line in (procedure_line(rng, traps=False) for _ in range(done))}.values())
    middle += [prep] * (rng.random() < 0.6)
    last = []  # the other eye's line: at the end, or after the eye's (never between the eye and its drug)
    if d.scenario in ("two", "same"):
        lines.append(["Bilateral", "IVI"])
        middle += [[d.m(e), *d.d(e)] + ["lot", f"{rng.choice('ABKMN')}{rng.randint(100, 9999)}"] * (rng.random() < 0.3)
                   for e in (t, o)]
        if d.va:
            middle.append(["VA", "pre-IVI"] + [tok for e in d.va for tok in [d.m(e), *d.v(e)]])
    else:
        m = d.m(t)
        lines.append(rng.choice([[m, "site", "marked"], ["Eye:", m], ["Site:", m], ["Side:", m],
                                 ["WHO", "pause", "done,", m, "confirmed"], [m, "prepared", "with", *prep]]))
        middle = [line for line in middle if line != prep or lines[-1][-1] != prep[-1]]  # prep said once
        if d.scenario == "none":
            middle.append(["IVI", "cancelled", "-", rng.choice(["pt unwell", "BP high", "pt declined", "on antibiotics",
                                                               "red eye"])])
        else:
            word = d.drugs[t].lower()
            middle.append(rng.choice([[*d.d(t), "injected"], ["IVI", *d.d(t)], [*d.d(t), "administered"],
                                      ["Drug:", *d.d(t)], [*d.d(t), "injected", "inferotemporally"]]
                                     + ([[*d.d(t, dose=False), "implant", "inserted"]] if word in IMPLANTS else [])))
        if t in d.va:
            middle.append(rng.choice([["VA", "(pre)", *d.v(t)], ["VA", "pre-IVI", *d.v(t)], ["Pre-IVI", "VA", *d.v(t)],
                                      ["VA", *d.v(t), "pre-injection"], ["VA", "before", "injection", *d.v(t)],
                                      ["VA", "prior", "to", "IVI", *d.v(t)]]))
        if d.scenario != "none" and rng.random() < 0.6:
            middle.append(rng.choice([["Post-inj", "CF"], ["CF", "post-inj"], ["HM", "after", "IVI"],
                                      ["post", "VA", "HM"]]))
        if o in d.named:
            last = rng.choice([[d.m(o), "not", "for", "treatment", "today"], ["No", "treatment", "to", d.m(o)],
                               [d.m(o), *d.neg()], [d.m(o), "not", "injected"]])
        elif d.scenario == "one" and rng.random() < 0.3:
            last = [d.m(t), "only"]
    if rng.random() < 0.4:
        middle.append(["IOP"] + ["after"] * (rng.random() < 0.5) + [str(rng.randint(10, 30))])
    rng.shuffle(middle)
    if last and rng.random() < 0.2:
        lines.append(last)
    elif last:
        middle.append(last)
    lines += middle + [d.interval()]
    lines = [line for line in lines if line]
    return lines, [d.separator(RECORD_SEPARATORS)] * (len(lines) - 1)


# ---- one-eye shorthand ------------------------------------------------------------------------------------------
def one_eye(d: Draft) -> tuple[list[list], list[str]]:
    rng, t, o = d.rng, d.t, d.o
    chunks, va_done = [], set()
    after = d.suffix_ok and rng.random() < 0.3  # every marker after what it marks (`eylea LE`), or every one before

    def treated(e: str) -> list:
        m, only = d.m(e), ["only"] * (len(d.drugs) == 1 and rng.random() < 0.4)
        forms = [[*d.d(e), m, *only], ["IVI", *d.d(e), m, *only]] if after else \
            [[m, *d.d(e), *only], [m, "inj", *d.d(e)], [m, *d.d(e), "today"], [m, rng.choice(DIAGNOSES), "-", *d.d(e)]]
        forms += [["IVI", m, *only, "-", *d.d(e)]] if d.suffix_ok and not after else []  # not `IVI L: only`
        form = rng.choice(forms)
        if e in d.va and rng.random() < 0.3:  # `LE beovu today (VA 6/18)`
            va_done.add(e)
            form += ["(", "VA", *d.v(e), ")"]
        return form

    def untreated(e: str) -> list:
        if after:
            return rng.choice([[rng.choice(["no inj", "no IVI", "nil to", "obs"]), d.m(e)],
                               ["no", "treatment", "to", d.m(e)]])
        return rng.choice([[d.m(e), *d.neg()], [d.m(e), *d.neg()]]
                          + [["no", "treatment", "to", d.m(e)]] * d.suffix_ok)  # not `no treatment to L:`

    if d.scenario in ("one", "one_other", "two"):
        chunks += [treated(e) for e in d.drugs]
        if d.scenario == "one_other":
            chunks.insert(0 if rng.random() < 0.4 else 1, untreated(o))
    elif d.scenario == "same":
        chunks.append(rng.choice([["bilateral", *d.d("B")], [*d.d("B"), "both", "eyes"], ["IVI", *d.d("B"), "OU"]]))
    else:
        chunks += [untreated(e) for e in d.named] if rng.random() < 0.7 else [["no", "inj", "today"]]
    if rng.random() < 0.25:
        e = rng.choice([o, t])
        old = [d.old, f"x{rng.randint(2, 12)}"]
        chunks.insert(0, ["prev", *old, "to", d.m(e), f"({rng.randint(2012, 2024)})"] if d.suffix_ok
                      else [d.m(e), "prev", *old])
    rest = [e for e in d.va if e not in va_done]
    if rest:
        chunks.append(["VA"] + [tok for e in rest for tok in ([*d.v(e), d.m(e)] if after else [d.m(e), *d.v(e)])])
    elif not d.va and rng.random() < 0.3:
        chunks.append(rng.choice([["VA", "not", "done"], ["VA", "deferred"]]))
    chunks.append(d.interval())
    chunks = [c for c in chunks if c]
    return chunks, [d.separator(RECORD_SEPARATORS + ("plus",))] * (len(chunks) - 1)


class Style(NamedTuple):
    weight: float
    example: str
    scenarios: dict[str, float]
    """Weights of: one (one eye treated, the other never named), one_other (named untreated), two (a drug each),
    same (one drug for both), none (nothing treated today)."""
    eyes: dict[str, float]
    """Eye notations the style writes, by weight (among those the split allows; {} for all, by their weights)."""
    write: Callable


PROSE_EYES = {"words": 4, "right_left": 1.5, "le_re": 1, "rt_eye": 1, "os_od": 0.5, "dotted": 0.3}
STYLES = {
    "letter": Style(1, "`Dear GP, I injected eylea into her right eye today. I did not inject the left eye.`",
                    {"one_other": 4, "one": 2, "two": 1.5, "same": 1, "none": 1.5}, PROSE_EYES, letter),
    "nurse": Style(1, "`Procedure note. Eye: RE. Lucentis 0.5mg injected. VA (pre) 6/12. Post-inj CF. LE obs`",
                   {"one_other": 3, "one": 4, "two": 1, "same": 0.5, "none": 1},
                   {**PROSE_EYES, "words": 2, "le_re": 3, "letter": 1, "paren": 0.5}, nurse),
    "one_eye": Style(1, "`OS avastin (VA 6/24), OD obs`, `no treatment to right eye / left eye lucentis only`",
                     {"one_other": 5, "one": 1, "two": 1, "same": 0.5, "none": 1.5}, {}, one_eye),
}

