"""What training notes may carry beside the grammar's fields (``Detail``, make-clinic-data --train-detail), and the
procedure detail's extra fields. Validation and test notes are always plain: a detail changes train only, so
runs with different details are scored on the same questions.
"""
from __future__ import annotations

import random

from ...config import Choice
from .vocab import FLUID, PROCEDURE

UNTRAPPED = [line for line in PROCEDURE if "/" not in line and "{exp}" not in line]  # no `exp 03/27`, no `IOP 16/18`


class Detail(Choice):
    """What a note carries beside its answers and the grammar's fields."""
    PLAIN = "plain"
    """History, VA, remarks, treatment, interval and fee, as in every split (validation and test use only this)."""
    PROCEDURE = "procedure"
    """Also what injection notes record and the plain grammar never wrote: a dose after a drug (`eylea 2mg/0.05ml`,
    never part of the answer), a slip in a drug's spelling (answered as written), pressures and scan findings per
    eye in the note's notation (`IOP R 16 L 18`: eye markers away from the answers) and procedure lines (consent,
    lot numbers, `exp 03/27`, a post-injection `CF`)."""
    PROCEDURE_NO_TRAPS = "procedure-no-traps"
    """As procedure, without its numbers shaped like acuities (`exp 03/27`, `IOP 16/18`): with them, and with
    imperial acuities (`20/40`) held out of train, the model learnt that a slash pair is an acuity only when it
    starts with 6 (an experiment: bench/clinic_generalisation.py's eye_swap_3k_procedure_no_traps)."""
    PROCEDURE_WORDING = "procedure-wording"
    """As procedure-no-traps, and a third of a treated note's questions asked in clinicians' wordings that no
    question family has: the acuity *before the injection* (`Left eye vision before the injection?`, whose
    answer is never the drug), `Right eye injection?`, `Which drug went into the left eye?`."""
    PROCEDURE_BLOCKS = "procedure-blocks"
    """As procedure-wording, and per-eye blocks with each eye's findings in any order under a marker that may be a
    heading (`R: VA 6/9, IVI eylea`, `LE>> VA 6/12 IOP 14 inj lucentis`), an untreated eye's block among them
    (`L: observe, VA 6/6`): the drug is away from its marker and not always the first (families.block)."""
    PROCEDURE_TABLES = "procedure-tables"
    """As procedure-blocks, and 2 in 5 of its two-eye blocks (a quarter of other treated notes with both acuities)
    written as one table pasted from a clinic system, a column per eye under a header of markers
    (`VISIT  OD  OS`, `VA  6/12  6/18+2`, `IVI  Eylea  -`): the eye is only in the column (families.table)."""

    def includes(self, other: "Detail") -> bool:
        """Whether notes of this detail carry what ``other`` adds: from procedure-no-traps on, each detail is the one
        above it plus more (procedure, with its traps, is no-traps' sibling and includes only itself)."""
        if Detail.PROCEDURE in (self, other):
            return self is other
        order = list(Detail)
        return order.index(self) >= order.index(other)


def eye_remark(n) -> list:
    """Pressures or scan findings per eye ("IOP R 16 L 18", "OCT LE dry, RE SRF"), in the note's notation."""
    rng = n.rng
    if rng.random() < 0.5:
        return ["IOP"] + [t for e in n.eyes for t in (n.mark(e), str(rng.randint(10, 30)))]
    findings = [[","] * bool(k) + [n.mark(e), rng.choice(FLUID).removeprefix("OCT ")] for k, e in enumerate(n.eyes)]
    return ["OCT"] + [t for finding in findings for t in finding]


def procedure_line(rng: random.Random, traps: bool = True) -> list[str]:
    """One line of the injection procedure ("lot K4512", "exp 03/27", "post inj CF"), as words; without
    ``traps``, no line whose numbers are shaped like an acuity."""
    line = rng.choice(PROCEDURE if traps else UNTRAPPED)
    return line.format(lot=f"{rng.choice('ABCDEFGHKLMN')}{rng.randint(100, 99999)}",
                       exp=f"{rng.randint(1, 12):02d}/{rng.randint(26, 29)}",
                       iop=rng.randint(10, 30), iop2=rng.randint(10, 30)).split()
