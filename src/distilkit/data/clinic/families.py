"""The named surface families of the clinic-note grammar, grouped by dimension.

Why families: a model trained on one grammar scored EM 97.75 on its own test split but 89 on notes
written by hand, because it learned the grammar's surface (which eye comes first, where a span ends).
Naming every surface rule lets a split hold whole families out, so a score on them measures
generalisation to an unseen phrasing rather than recall of a seen one.

Each note takes exactly one family per dimension it shows (a note without a drug has no treatment
family), so the families of a dimension are disjoint. ``FAMILIES[dimension][name]`` is a ``Family``:
its sampling weight, an example for the docs, the dimension-specific rendering data (``impl``) and
``fits(note)``, whether it can render the note's content (a both-eye phrasing needs two eyes).
This module holds the layout dimensions (order, eyes, separator) and the treatment phrasings;
wording.py the others, holdout.py the registry of all of them.
"""
from __future__ import annotations

import random
from typing import Callable, NamedTuple

from .vocab import UNTREATED, VERBS, other_drug


class Mark(str):
    """An eye marker as written ("l)", "LE:"), remembering its eye and its bare form, so that a note can be
    written again with the eyes swapped (notes.swap_eyes) without guessing which words were markers."""

    def __new__(cls, text: str, eye: str, bare: str | None = None):
        self = super().__new__(cls, text)
        self.eye, self.bare = eye, text if bare is None else bare
        return self

    def swapped(self, marks: dict[str, str]) -> "Mark":
        """The same form of the other eye's marker (a label keeps its colon)."""
        eye = "R" if self.eye == "L" else "L"
        return Mark(marks[eye] + self[len(self.bare):], eye, marks[eye])


class Family(NamedTuple):
    weight: float
    example: str
    impl: object = None
    fits: Callable = lambda note: True


# ---- field order: applied to the list of fields once they exist -------------------------------------
def _shuffled(fields: list, rng: random.Random) -> list:
    # Any order but the two named ones, so the three families never produce the same note.
    while True:
        out = rng.sample(fields, len(fields))
        if out not in (fields, fields[::-1]):
            return out


ORDER = {
    "clinic": Family(0.45, "hx, VA, remarks, treatment, interval, fee", lambda f, rng: f),
    "reversed": Family(0.15, "fee, interval, treatment, remarks, VA, hx", lambda f, rng: f[::-1],
                       lambda n: n.nfields >= 2),
    "shuffled": Family(0.4, "any other order", _shuffled, lambda n: n.nfields >= 3),
}

# ---- eye notation: impl = ({eye: marker}, whether the marker may follow what it marks) --------------
# A colon label only reads as a prefix ("L: eylea"), never "eylea L:", so phrasings that put the marker
# after the drug do not fit it.
EYES = {
    "paren": Family(2, "`l)` / `r)`", ({"L": "l)", "R": "r)"}, True)),
    "le_re": Family(2, "`LE` / `RE`", ({"L": "LE", "R": "RE"}, True)),
    "os_od": Family(1.5, "`OS` / `OD`", ({"L": "OS", "R": "OD"}, True)),
    "l_eye": Family(1, "`L eye` / `R eye`", ({"L": "L eye", "R": "R eye"}, True)),
    "letter": Family(1.5, "`L` / `R`", ({"L": "L", "R": "R"}, True)),
    "rt_lt": Family(1, "`Lt` / `Rt`", ({"L": "Lt", "R": "Rt"}, True)),
    "rt_eye": Family(0.7, "`Lt eye` / `Rt eye`", ({"L": "Lt eye", "R": "Rt eye"}, True)),
    "words": Family(0.8, "`left eye` / `right eye`", ({"L": "left eye", "R": "right eye"}, True)),
    "right_left": Family(0.6, "`left` / `right`", ({"L": "left", "R": "right"}, True)),
    "colon": Family(0.8, "`L:` / `R:` (labels, only before what they mark)", ({"L": "L:", "R": "R:"}, False)),
    "dotted": Family(0.7, "`L.E.` / `R.E.`", ({"L": "L.E.", "R": "R.E."}, True)),
}

# ---- separator between fields: impl = the string, or None for the mixed family ------------------------
CLASSIC_SEPARATORS = [" ", ", ", "; ", ". ", " + ", " - "]
SEPARATOR = {
    "space": Family(3, "`4/52 rev l) eylea`", " "),
    "comma": Family(1.5, "`4/52 rev, l) eylea`", ", "),
    "semicolon": Family(1, "`4/52 rev; l) eylea`", "; "),
    "period": Family(1, "`4/52 rev. l) eylea`", ". "),
    "plus": Family(1, "`4/52 rev + l) eylea`", " + "),
    "dash": Family(1, "`4/52 rev - l) eylea`", " - "),
    "mixed": Family(1.5, "`hx AMD, VA 6/9 l) eylea; 4/52 rev` (one classic separator, some gaps `, ` or ` `)",
                    None, lambda n: n.nfields >= 3),
    "newline": Family(1.5, "one field per line", "\n"),
    "pipe": Family(1, "`4/52 rev | l) eylea`", " | "),
    "slash": Family(1, "`4/52 rev / l) eylea`", " / "),
}


def separators(name: str, gaps: int, rng: random.Random) -> list[str]:
    """The string for each gap between fields; 'mixed' keeps one classic separator but not in every gap."""
    if name != "mixed":
        return [SEPARATOR[name].impl] * gaps
    base = rng.choice(CLASSIC_SEPARATORS)
    odd = set(rng.sample(range(gaps), rng.randint(1, gaps - 1)))  # at least one gap of each: really mixed
    return [rng.choice([s for s in (", ", " ") if s != base]) if i in odd else base for i in range(gaps)]


# ---- treatment phrasing: impl(note) -> tokens of the treatment field ---------------------------------
def _per_eye(form: Callable) -> Callable:
    """The original phrasings: each drugged eye in one form, joined by + / or , with an optional inj count."""
    def render(n) -> list:
        tokens = []
        for eye in n.drug_eyes:
            tokens += [n.rng.choice(["+", "/", ","])] if tokens else []
            tokens += form(n.mark(eye), n.drug(eye), n.case(n.rng.choice(VERBS)))
            tokens += [f"#{n.rng.randint(2, 14)}"] if n.rng.random() < 0.12 else []
        return tokens
    return render


def _joined(n, each: Callable) -> list:
    tokens = []
    for k, eye in enumerate(n.drug_eyes):
        tokens += ([","] if k else []) + each(k, eye)
    return tokens


def _both(n) -> list:
    both, d = n.case(n.rng.choice(["OU", "both eyes"])), ("drug:B", n.drugs[n.drug_eyes[0]])
    return n.rng.choice([[both, d], [d, both], [n.case("IVI"), d, both]])


def _ivi_list(n) -> list:
    # "today" right after the first eye's marker: the span must still end at the drug.
    verb = n.case(n.rng.choice(["IVI", "inj", "IVT"]))
    return [verb] + _joined(n, lambda k, e: [n.drug(e), n.mark(e)] + ([] if k else [n.case("today")]))


def _injection_to(n) -> list:
    # "<drug> injection": the answer is the bare drug, not "eylea injection".
    return _joined(n, lambda k, e: [n.drug(e), n.case(n.rng.choice(["injection", "inj"])),
                                    n.rng.choice(["to", "into"]), n.mark(e)])


def _raw(marker: Mark) -> Mark:
    """The marker without a label's colon, for phrasings that put words after it (`Eye: L Drug: ...`)."""
    return Mark(marker.bare, marker.eye)


def _label(marker: Mark) -> Mark:
    return marker if marker.endswith((")", ":")) else Mark(marker + ":", marker.eye, marker.bare)


def _label_given(n) -> list:
    return _joined(n, lambda k, e: [_label(n.mark(e)), n.drug(e), n.rng.choice(["given", "given", "done"])])


def _switched(n) -> list:
    # The previous drug sits right next to the answer and is never it.
    first, rest = n.drug_eyes[0], n.drug_eyes[1:]
    old = n.case(other_drug(n.rng, n.current))
    tokens = n.rng.choice([[n.mark(first), "switched", "from", old, "to", n.drug(first)],
                           [n.mark(first), n.case("switched"), "to", n.drug(first), f"(was {old})"],
                           [n.mark(first), old, "switched", "to", n.drug(first)]])
    for eye in rest:
        tokens += [",", n.mark(eye), n.drug(eye)]
    return tokens


def _both_treated(n) -> list:
    head = n.case(n.rng.choice(["Both eyes treated:", "Both eyes injected:", "Bilateral IVI:"])).split()
    return head + _joined(n, lambda k, e: [n.mark(e), n.drug(e)])


def _key_value(n) -> list:
    # Form-like lines: the key names the eye, the value is the bare drug.
    forms = [lambda m, d: ["Drug", _label(m), d], lambda m, d: [_raw(m), "drug:", d],
             lambda m, d: ["Eye:", _raw(m), "Drug:", d], lambda m, d: ["Inj", _label(m), d],
             lambda m, d: ["Injection", _raw(m), "=", d]]
    form = n.rng.choice(forms)  # one form per note, as a form would
    return _joined(n, lambda k, e: [n.case(t) if isinstance(t, str) and not isinstance(t, Mark) and t[:1].isalpha()
                                    else t for t in form(n.mark(e), n.drug(e))])


def _dictated(n) -> list:
    # Whole dictated sentences: the drug sits among many words, before or after its eye.
    rng = n.rng
    before = [lambda m, d: [m, "received", "an", "intravitreal", "injection", "of", d],
              lambda m, d: ["we", "injected", m, "with", d], lambda m, d: [m, "was", "treated", "with", d]]
    after = [lambda m, d: [d, "was", "injected", "into", m], lambda m, d: ["I", "gave", d, "to", m],
             lambda m, d: ["proceeded", "with", "intravitreal", d, "to", m]]
    forms = before + (after if n.suffix_ok else [])
    head = rng.choice([[], ["Today"], ["Plan:"], ["After", "consent,"]])
    body = _joined(n, lambda k, e: (["and"] if k else []) + rng.choice(forms)(_raw(n.mark(e)), n.drug(e)))
    return head + body + rng.choice([[], ["without", "complication"], ["uneventfully"]])


def block(n, eye: str, label: str | None) -> list:
    """One eye's block of a 'blocks' note: `r) eylea VA 6/9`. With procedure-blocks detail (``n.blocky``) the
    eye's findings come in any order after a marker sometimes written as a heading (`R: VA 6/9, IVI eylea`,
    `LE>> VA 6/12 IOP 14 inj lucentis`), and an untreated eye has a block too (`L: observe, VA 6/6`): the drug
    is then far from its marker and the first drug may be the other eye's, so only the marker tells."""
    value, extra = n.acuity[eye]
    va = ([label] if label else []) + [(f"va:{eye}", value)] + extra
    if not n.blocky:
        return [n.mark(eye), n.drug(eye)] + va
    rng, mark = n.rng, n.mark(eye)
    if not mark.endswith((")", ":")):
        mark = rng.choice([mark, mark, _label(mark), Mark(mark + ">>", eye, mark.bare)])
    if eye in n.drugs:
        verb = [n.case(rng.choice(VERBS[:2]))] * (rng.random() < 0.5)  # `IVI`, `inj`
        treat = verb + [n.drug(eye)] + ["today"] * (rng.random() < 0.2)
    else:
        treat = n.case(rng.choice(UNTREATED)).split()
    parts = [treat, va] + [["IOP", str(rng.randint(10, 30))]] * (rng.random() < 0.3)
    rng.shuffle(parts)
    comma = rng.random() < 0.5
    return [mark] + [t for k, part in enumerate(parts) for t in [","] * (comma and k > 0) + part]


class Cell(str):
    """A token written without the space between words around it (notes._render): a table's cell separator or
    line break."""


def table(n, label: str | None) -> list:
    """Both eyes' blocks as one table (procedure-tables detail): a header of eye markers, then a row per finding
    with a cell per eye (`VISIT  OD  OS`, `VA  6/12  6/18+2`, `IVI  Eylea  Vabysmo`, or tab-separated), as notes
    pasted from a clinic system are. Only the column tells whose drug a cell is: the row names no eye."""
    rng = n.rng
    # Tabs or runs of spaces between cells, never ` | `: that is separator.pipe's surface, held out for test_unseen.
    bar, eol = Cell(rng.choice(["\t", "  ", "   "])), Cell("\n")

    def row(head: list, cells: list[list]) -> list:
        return head + [t for cell in cells for t in [bar] + cell]
    corner = rng.choice([[], ["Eye"], ["VISIT"], ["Today"], ["Visit"]])
    findings = [row([label or "VA"], [[(f"va:{e}", n.acuity[e][0])] + n.acuity[e][1] for e in n.eyes]),
                row([n.case(rng.choice(["IVI", "Inj", "Drug", "Tx"]))],
                    [[n.drug(e)] if e in n.drugs else [n.case(rng.choice(["-", "nil", "obs", "no inj"]))]
                     for e in n.eyes])]
    findings += [row(["IOP"], [[str(rng.randint(10, 30))] for _ in n.eyes])] * (rng.random() < 0.3)
    rng.shuffle(findings)
    rows = [row(corner, [[n.mark(e)] for e in n.eyes])] + findings
    return [Cell("")] + [t for k, r in enumerate(rows) for t in [eol] * bool(k) + r] + [Cell("")]  # ends: lines


def _two(n) -> bool:
    return len(n.drug_eyes) == 2


TREATMENT = {
    "marker_drug": Family(2, "`l) eylea`, `r) eylea + l) beovu`", _per_eye(lambda m, d, v: [m, d])),
    "drug_marker": Family(1.5, "`eylea LE`, `eylea RE / beovu LE`", _per_eye(lambda m, d, v: [d, m]),
                          lambda n: n.suffix_ok),
    "verb_drug_marker": Family(1.5, "`IVI Lucentis RE`", _per_eye(lambda m, d, v: [v, d, m]), lambda n: n.suffix_ok),
    "marker_verb_drug": Family(1.5, "`OS inj avastin #4`", _per_eye(lambda m, d, v: [m, v, d])),
    "marker_drug_inj": Family(1, "`l) vabysmo inj`", _per_eye(lambda m, d, v: [m, d, "inj"])),
    # OU only when both eyes had the same drug: one mention answers for both eyes.
    "both": Family(12, "`eylea OU`, `IVI avastin both eyes`", _both, lambda n: _two(n) and n.same_drug),
    # Per-eye blocks (`block` above) are two fields of drawing.py's (so the order can split them).
    "blocks": Family(5, "`r) eylea VA 6/9; l) beovu VA 6/24`", None,
                     lambda n: _two(n) and set(n.acuity) == set(n.drug_eyes) and not n.lone),
    "ivi_list": Family(1, "`IVI eylea LE today, lucentis RE`", _ivi_list, lambda n: n.suffix_ok),
    "injection_to": Family(1, "`eylea injection to LE`", _injection_to, lambda n: n.suffix_ok),
    "label_given": Family(1, "`LE: eylea given`", _label_given),
    "switched": Family(0.8, "`l) switched from lucentis to eylea`", _switched),
    "both_treated": Family(1.5, "`Both eyes treated: left eye eylea, right eye lucentis`", _both_treated, _two),
    "key_value": Family(1.2, "`Drug LE: eylea`, `Eye: RE Drug: lucentis`, `Injection L = avastin`", _key_value),
    "dictated": Family(1.2, "`Today LE received an intravitreal injection of eylea, and I gave lucentis to RE`",
                       _dictated),
}

