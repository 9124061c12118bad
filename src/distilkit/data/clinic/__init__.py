"""Seeded synthetic ophthalmology clinic notes for extractive question answering.

The reference model answers "What is the drug used on the left eye?" or "What is the visual acuity of
this patient?" from shorthand such as ``4/52 rev + l) eylea hn $95``. Real notes are private, so notes
come from a grammar, and questions whose answer is a span of the note are asked (SQuAD-flat rows).

Every rule that shapes a note's surface is a named family (``FAMILIES[dimension][name]``: field order,
eye notation, separator, treatment phrasing, VA phrasing, VA scale, question wording, interval, history),
so that ``make_clinic_data`` can hold families out of train/validation/test and write a ``test_unseen``
split made only of them: a model that scores well on its own grammar may still have learned only its
surface. docs/clinic-notes.md lists the families and the answer rules.

A share of the questions (``unanswerable``, make-clinic-data's default a quarter) asks what the note does not
record, in SQuAD v2 form: an untreated or unmentioned eye, an acuity, drug or review interval it does not give.

Modules: vocab (word lists), families and wording (the families per dimension), holdout (the registry,
the default held-out list), detail (what training notes may carry beside the fields: procedure lines, clinicians'
wordings, per-eye rows), drawing (one note's content and its fields), notes (rendering and questioning one note,
its copies, the stream of notes), unanswerable (the questions a note does not answer), styles, draft and styled
(training notes in other hands' styles: letters, nurse records, one-eye shorthand naming the untreated eye).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from ...bounds import check_value, field_bounds
from ...errors import DistilkitError
from ...io import PathLock, update_together
from ...options import ClinicDataOptions
from .detail import Detail
from .holdout import (DEFAULT_HOLDOUT, FAMILIES, FAMILY_NAMES, VALIDATION_HOLDOUT, allowed_families, check_disjoint,
                      parse_holdout)
from .notes import note_stream, swap_eyes
from .styled import style_counts, styles_text
from .unanswerable import KINDS as UNANSWERABLE_KINDS
from .vocab import DRUGS

__all__ = ["AUGMENTATIONS", "DEFAULT_HOLDOUT", "DEFAULT_TRAIN_STYLES", "DEFAULT_UNANSWERABLE", "DRUGS", "Detail",
           "FAMILIES", "FAMILY_NAMES", "UNANSWERABLE_KINDS", "VALIDATION_HOLDOUT", "generate_clinic_notes",
           "make_clinic_data"]

SPLIT_OFFSETS = {"train": 0, "validation": 1000, "test": 2000, "test_unseen": 3000, "validation_unseen": 4000}


class Augmentation(NamedTuple):
    description: str
    transform: Callable  # (fields, marks) -> the changed fields, or None: no copy of this note
    tag: str  # appended to the note's id in its copy's question ids


# Training-only augmentations (validation and test splits are never augmented, so their scores stay comparable
# between runs with and without): a new one is a transform in notes.py and an entry here.
AUGMENTATIONS = {
    "eye_swap": Augmentation("every note that marks both eyes is also written with its eye markers swapped and its "
                             "answers following them (counterfactual pairs: the drug's position no longer tells "
                             "its eye)", swap_eyes, "x"),
}
DEFAULT_AUGMENT = ("eye_swap",)  # chosen on validation (bench/clinic_generalisation.py)
DEFAULT_UNANSWERABLE = ClinicDataOptions.unanswerable  # a quarter of every split's questions have no answer
DEFAULT_TRAIN_STYLES = ClinicDataOptions.train_styles  # a fifth of train's notes in other hands' styles (styled.py)


def parse_augment(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """Augmentation names from 'none', 'a,b' or an iterable; refuses an unknown name."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "none")):
        return ()
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    for name in names:
        if name not in AUGMENTATIONS:
            raise DistilkitError(f"unknown clinic augmentation {name!r}: give one of {', '.join(AUGMENTATIONS)} "
                                 "(or 'none')")
    return tuple(dict.fromkeys(names))


def _take(seed: int, n: int, exclude: set[str], allowed: dict[str, list[str]], augment: tuple[str, ...] = (),
          copies: bool = False, detail: Detail = Detail.PLAIN, unanswerable: float = 0.0, styles: float = 0.0):
    """(n examples plus their augmented copies, the families of each example's note, notes skipped, the contexts
    of every augmentation's copies) from the seed's stream, skipping notes whose context is in exclude.

    Copies do not count towards n, so the first n examples are the same with and without them. With copies,
    every augmentation's copies are made (kept only for the names in augment) so that later splits can avoid
    their contexts whichever augmentations were kept: validation and test never depend on augment. unanswerable:
    the share of the n questions that have no answer (unanswerable.py); the record of such an example also names
    its kind ("unanswerable": kind). styles: the share of notes in other hands' styles (styled.py; train only)."""
    made = {name: (a.transform, a.tag) for name, a in AUGMENTATIONS.items()} if copies or augment else None
    rows, records, skipped, taken, extra = [], [], 0, 0, set()
    stream = note_stream(seed, allowed, made, detail, unanswerable, styles)
    while taken < n:
        group, extras, families = next(stream)
        if group[0]["context"] in exclude or any(e[0]["context"] in exclude for e in extras.values()):
            skipped += 1
            continue
        k = n - taken
        taken += len(group[:k])
        kept = group[:k] + [r for name in augment for r in extras.get(name, [])[:k]]
        rows += kept
        records += [{**families, "unanswerable": r.kind} if getattr(r, "kind", None) else families for r in kept]
        extra |= {r["context"] for e in extras.values() for r in e}
    return rows, records, skipped, extra


def clinic_examples(n: int, seed: int, holdout_families: Iterable[str] | str | None = (),
                    unseen: bool = False, unanswerable: float = 0.0) -> tuple[list[dict], list[dict[str, str]]]:
    """generate_clinic_notes plus, per example, the {dimension: family} its note shows (for tests and audits), and
    for a question without an answer its kind under "unanswerable"."""
    rows, records, _, _ = _take(seed, n, set(), allowed_families(parse_holdout(holdout_families), unseen),
                                unanswerable=_share(unanswerable))
    return rows, records


def generate_clinic_notes(n: int, seed: int, holdout_families: Iterable[str] | str | None = (),
                          unseen: bool = False, unanswerable: float = 0.0) -> list[dict]:
    """n QA examples (1-3 per note, and up to 2 more without an answer; the last note may be cut short),
    identical for a seed.

    By default every family is used; with holdout_families the held-out ones are left out, or with
    unseen=True they are the only ones used (in each dimension that holds any out). unanswerable: the share of the
    questions the note does not answer (SQuAD v2 rows: empty answers, "is_impossible": true; 0, the default here,
    writes SQuAD v1 rows as before).
    """
    return clinic_examples(n, seed, holdout_families, unseen, unanswerable)[0]


def _share(value: float, name: str = "unanswerable", of: str = "questions") -> float:
    """A share (--unanswerable, --train-styles) within the bounds ClinicDataOptions declares for it."""
    flag = "--" + name.replace("_", "-")
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise DistilkitError(f"{flag} {value!r}: give a share of the {of}, e.g. 0.25") from None
    check_value(flag, share, field_bounds(ClinicDataOptions)[name])
    return share


def _family_counts(rows: list[dict], records: list[dict]) -> dict[str, dict[str, int]]:
    """Notes per family per dimension (a note's examples share its families, so count each note once)."""
    notes = {r["id"].rsplit("-q", 1)[0]: rec for r, rec in zip(rows, records)}
    counts: dict[str, Counter] = defaultdict(Counter)
    for rec in notes.values():
        for dim, name in rec.items():
            counts[dim][name] += 1
    return {dim: dict(sorted(counts[dim].items())) for dim in FAMILIES if dim in counts}


def make_clinic_data(output_dir, train: int = 3000, validation: int = 300, test: int = 400, seed: int = 42,
                     holdout_families: Iterable[str] | str | None = DEFAULT_HOLDOUT,
                     test_unseen: int = 400, augment: Iterable[str] | str = DEFAULT_AUGMENT,
                     validation_holdout: Iterable[str] | str | None = VALIDATION_HOLDOUT,
                     validation_unseen: int = 300,
                     train_detail: Detail | str = Detail.PROCEDURE_TABLES,
                     unanswerable: float = DEFAULT_UNANSWERABLE,
                     train_styles: float = DEFAULT_TRAIN_STYLES) -> dict[str, str]:
    """Write train/validation/test.jsonl (+ test_unseen.jsonl and validation_unseen.jsonl when families are held
    out), families.json and a README.md into output_dir; returns {split: path}.

    train, validation and test use only the families held out by neither list (test is in-distribution);
    test_unseen uses only the families of holdout_families, validation_unseen only those of validation_holdout
    (in every dimension that holds any out; the other list's families never). Each list: 'dimension.family'
    names, a comma-separated string, 'none' (or ()) for none, or None for its default. validation_unseen is the
    split to choose on: validation from the training grammar saturates. Splits use seeds seed, +1000, +2000,
    +3000, +4000. A note whose text already occurs in an earlier split is replaced by the next note, so held-out
    splits stay held out. augment: AUGMENTATIONS names applied to train only (its extra examples come on top of
    `train`), or 'none'. train_detail: Detail of the training notes only ('procedure' adds doses, spelling slips,
    per-eye IOP/OCT and procedure lines; 'procedure-no-traps' the same without acuity-shaped numbers;
    'procedure-wording' that and some questions asked as clinicians do; 'procedure-blocks' that and per-eye rows;
    'procedure-tables', the default, that and per-eye columns of a table); validation and test are the same files
    whatever it is. unanswerable: the share of every split's questions that the note does not answer (SQuAD v2
    rows, unanswerable.py), in train, validation, test, test_unseen and validation_unseen alike (twins ask their
    note's with the same words); 0 writes the files of before, byte for byte (SQuAD v1 rows). The defaults (3,000
    questions, eye_swap, procedure-tables) are those bench/clinic_generalisation.py and bench/clinic_seeds.py chose
    on validation; 1,200 plain questions without twins was the first recipe's. train_styles (with unanswerable above
    0; train only): the share of training notes written in other hands' styles (styles.py: letters, nurse records,
    one-eye shorthand naming the untreated eye), some grammar notes naming their untreated eye too (styled.py); 0
    writes the files of before it existed, byte for byte.
    """
    holdout, augment = parse_holdout(holdout_families), parse_augment(augment)
    detail, unanswerable = Detail.parse(train_detail, "--train-detail"), _share(unanswerable)
    styles = _share(train_styles, "train_styles", "training notes")
    styles = styles if unanswerable else 0.0  # they come with unanswerable questions: none in SQuAD v1 files
    val_holdout = parse_holdout(validation_holdout, VALIDATION_HOLDOUT, "--validation-holdout")
    check_disjoint(holdout, val_holdout)
    out = Path(output_dir)
    with PathLock(out, "OUTPUT_DIR"):  # a second writer of the same folder is refused before anything is written
        out.mkdir(parents=True, exist_ok=True)
        return _write(out, train, validation, test, seed, holdout, test_unseen, augment, val_holdout,
                      validation_unseen, detail, unanswerable, styles)


def _write(out: Path, train: int, validation: int, test: int, seed: int, holdout: tuple, test_unseen: int,
           augment: tuple, val_holdout: tuple, validation_unseen: int, detail: Detail,
           unanswerable: float = 0.0, styles: float = 0.0) -> dict[str, str]:
    """Generate every split, then write them all as one change (a kill leaves the old set or the new one)."""
    seen_families = allowed_families(holdout + val_holdout)
    plan = [("train", train, seen_families), ("validation", validation, seen_families),
            ("test", test, seen_families)]
    plan += [("test_unseen", test_unseen, allowed_families(holdout, True, val_holdout))] if holdout else []
    plan += [("validation_unseen", validation_unseen, allowed_families(val_holdout, True, holdout))] \
        if val_holdout and validation_unseen else []
    seen: set[str] = set()
    paths, table, used, files, impossible = {}, [], {}, {}, {}
    for split, n, allowed in plan:
        split_seed = seed + SPLIT_OFFSETS[split]
        train_split = split == "train"
        styled = styles if train_split else 0.0
        rows, records, skipped, copies = _take(split_seed, n, seen, allowed, augment if train_split else (),
                                               copies=train_split, unanswerable=unanswerable, styles=styled)
        if train_split and detail is not Detail.PLAIN:
            # The plain train's notes are kept out of later splits all the same: those never depend on detail.
            copies |= {r["context"] for r in rows}
            rows, records, skipped, more = _take(split_seed, n, seen, allowed, augment, True, detail, unanswerable,
                                                 styled)
            copies |= more
        contexts = {r["context"] for r in rows}
        table.append(f"| {split} | {split_seed} | {len(rows)} | {len(contexts)} | {skipped} | {len(contexts & seen)} |")
        seen |= contexts | copies  # train's possible copies too, so later splits never depend on augment
        used[split] = _family_counts(rows, records)
        kinds = Counter(rec["unanswerable"] for rec in records if "unanswerable" in rec)
        impossible[split] = {"questions": len(rows), "unanswerable": sum(kinds.values()),
                             "kinds": {k: kinds[k] for k in UNANSWERABLE_KINDS if kinds[k]}}
        if styled:  # notes per style (a twin counted with its note), beside the grammar's
            impossible[split]["styles"] = style_counts(rows, records)
        paths[split] = str(out / f"{split}.jsonl")
        files[f"{split}.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    # With no unanswerable questions, families.json and the README are those of before (byte for byte).
    noans = {"unanswerable": {"share": unanswerable, "per_split": impossible, **(
        {"train_styles": styles} if styles else {})}} if unanswerable else {}
    files["families.json"] = json.dumps({"holdout": list(holdout), "validation_holdout": list(val_holdout),
                                         "notes_per_family": used, **noans}, indent=1) + "\n"
    extra = "".join(f" Train is augmented with `{a}`: {AUGMENTATIONS[a].description}." for a in augment)
    extra += f" Train notes have `{detail.value}` detail: {_DETAIL[detail]}." if detail is not Detail.PLAIN else ""
    extra += _noans_text(unanswerable, impossible) if unanswerable else ""
    extra += styles_text(styles, impossible["train"]["styles"]) if styles and "train" in impossible else ""
    files["README.md"] = (
        f"# Synthetic clinic notes (extractive QA)\n\nWritten by `distilkit.data.clinic.make_clinic_data("
        f"output_dir, train={train}, validation={validation}, test={test}, seed={seed}, holdout_families="
        f"{list(holdout)!r}, test_unseen={test_unseen}, augment={list(augment)!r}, validation_holdout="
        f"{list(val_holdout)!r}, validation_unseen={validation_unseen}, train_detail={detail.value!r}"
        + (f", unanswerable={unanswerable}" if unanswerable else "")
        + (f", train_styles={styles}" if styles else "") + ")`. "
        "SYNTHETIC: drawn from a grammar of ophthalmology shorthand (docs/clinic-notes.md), not from real patients. "
        "SQuAD-flat JSON Lines; "
        f"each note gives 1-3 questions.\n\nHeld out for test: {_held(holdout, used, 'test_unseen')}. Held out for "
        f"validation: {_held(val_holdout, used, 'validation_unseen')}. train, validation and test use neither (test is "
        "in-distribution); test_unseen uses only the first, validation_unseen only the second, in every dimension "
        "that holds one out, so their scores measure generalisation to unseen phrasings, and validation_unseen "
        "can choose for it (validation from the training grammar saturates)." + extra
        + " families.json counts the notes of every family per split.\n\n| split | seed | examples | "
        "notes | notes replaced | notes also in an earlier split |\n|---|---|---|---|---|---|\n" + "\n".join(table)
        + "\n\nA note whose text occurs verbatim in an earlier split (in the order above) is replaced by the next "
        "generated note, so no held-out context appears in train.\n")
    update_together(out, files)
    return paths


_DETAIL = {Detail.PROCEDURE: "doses after drugs, slips in drug spellings (answered as written), per-eye IOP and "
                             "OCT in the note's eye notation, and procedure lines (consent, lot, expiry, post-injection "
                             "CF)",
           Detail.PROCEDURE_NO_TRAPS: "as procedure, without its acuity-shaped numbers (`exp 03/27`, `IOP 16/18`)",
           Detail.PROCEDURE_WORDING: "as procedure-no-traps, and a third of a treated note's questions in clinicians' "
                                     "wordings no family has (`Left eye vision before the injection?`)",
           Detail.PROCEDURE_BLOCKS: "as procedure-wording, and per-eye blocks with each eye's findings in any order "
                                    "under a marker or heading (`R: VA 6/9, IVI eylea`), an untreated eye's block "
                                    "among them (`L: observe, VA 6/6`)",
           Detail.PROCEDURE_TABLES: "as procedure-blocks, and some two-eye notes' blocks as one table, a column per "
                                    "eye under a header of markers, cells apart by tabs or spaces (`VISIT  OD  OS`)"}


def _held(names: tuple[str, ...], used: dict, split: str) -> str:
    """The held-out names for the data README; those a small split never showed are named as absent."""
    if not names or split not in used:
        return "none"
    shown = {f"{d}.{f}" for d, table in used[split].items() for f in table}
    absent = [f"`{h}`" for h in names if h not in shown]
    return ", ".join(f"`{h}`" for h in names) + (f" (absent from {split}: {', '.join(absent)})" if absent else "")


def _noans_text(share: float, impossible: dict) -> str:
    """The README's paragraph on the questions without an answer: the share asked for and what each split got."""
    counts = "; ".join(f"{split} {c['unanswerable']} of {c['questions']} ("
                       + ", ".join(f"{k} {v}" for k, v in c["kinds"].items()) + ")" for split, c in impossible.items())
    return (f" A share of {share} of each split's questions has no answer in its note (SQuAD v2 rows: empty "
            "`answers`, `\"is_impossible\": true`; every row has `is_impossible`): "
            + "; ".join(f"`{k}` ({v.description})" for k, v in UNANSWERABLE_KINDS.items())
            + f". Unanswerable questions per split (train: its eye-swap twins included): {counts}.")

