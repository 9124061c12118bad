"""Seeded synthetic ophthalmology clinic notes for extractive question answering.

The reference model answers "What is the drug used on the left eye?" or "What is the visual
acuity of this patient?" from shorthand such as ``4/52 rev + l) eylea hn $95``. Real notes are
private, so notes come from a small grammar, and only questions whose answer is a span of the
note are asked (SQuAD-flat rows). A note is a few optional fields, in clinic order or shuffled,
joined mostly by one separator (`` ``, ``, ``, ``; ``, ``. ``, `` + ``, `` - ``):

- history    ``hx wAMD``, ``pt 81F DMO``, ``pt 78M hx RVO L since 2019, prev avastin x6 + PRP``
- remarks    ``OCT dry``, ``SRF + IRF``, ``IOP 14``, ``cont tx``, ``T&E``
- acuity     ``VA 6/12-1``, ``V/A R 6/9, L 20/40``, ``vis LE 0.48 logMAR``, ``VA 6/18 ph 6/9``, ``CF``
- treatment  ``l) eylea``, ``IVI Lucentis RE``, ``OS inj avastin #4``, ``eylea OU``, ``r) eylea + l) beovu``
- interval   ``4/52 rev``, ``r/v 6/52``, ``review in 3/12``, ``f/u 1/7`` (/52 weeks, /12 months, /7 days)
- fee        ``$95``, ``hn $120`` (billing shorthand)

Eye markers keep one style per note (``l)``/``r)``, ``LE``/``RE``, ``OS``/``OD``, ``L eye``/``R eye``,
``L``/``R``) and words get random capitalisation. Intervals (``4/52``, ``6/12``) and Snellen acuities
(``6/9``, ``6/12``) share a shape on purpose: telling them apart is what the model must learn, as
is ignoring an earlier drug named in the history. A both-eye note may write each eye as a block
(``r) eylea VA 6/9; l) beovu VA 6/24``). Any field may be missing, but a note always has a drug
or an acuity.

Answers. Drug: as written (``Eylea``, ``aflibercept``, ``dexamethasone implant``); an ``OU`` or
``both eyes`` drug answers for both eyes. Acuity: the unaided value as written with any ``-1``/``+2``
suffix, plus ``logMAR`` only where it touches the value (``0.48 logMAR``, ``logMAR 0.1``; a bare
``0.30`` stays bare); a following pinhole ``ph 6/9`` is not part of it. "Of this patient" is asked
only when the note names at most one eye.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterator

# Brand and generic spellings; a both-eye note draws two different drugs so its answers differ.
DRUGS = [["eylea", "aflibercept"], ["lucentis", "ranibizumab"], ["avastin", "bevacizumab"],
         ["vabysmo", "faricimab"], ["beovu", "brolucizumab"], ["ozurdex", "dexamethasone implant"],
         ["triesence", "triamcinolone"], ["iluvien"]]
CHARTS = {"metric": ["6/5", "6/6", "6/9", "6/12", "6/18", "6/24", "6/36", "6/60"],
          "imperial": ["20/20", "20/30", "20/40", "20/60", "20/80", "20/200"]}
LOGMAR = ["0.00", "0.1", "0.18", "0.20", "0.30", "0.3", "0.48", "0.5", "0.60", "1.00"]
INTERVALS = ["4/52", "4/52", "6/52", "8/52", "5/52", "12/52", "3/12", "2/12", "6/12", "1/7", "2/7"]
EYE_STYLES = [("l)", "r)"), ("LE", "RE"), ("OS", "OD"), ("L eye", "R eye"), ("L", "R")]  # (left, right)
DIAGNOSES = ["wAMD", "AMD", "nAMD", "DMO", "RVO", "BRVO", "CRVO", "CMO", "PDR", "PCV"]
FLUID = ["OCT dry", "dry macula", "SRF", "IRF", "SRF + IRF", "no SRF", "fluid resolved"]
REMARKS = ["CMO improving", "stable", "cont tx", "T&E", "IOP 14", "IOP 16", "IOP 21", "pt happy", "no new haem"]
EYE_WORDS = {"L": "left", "R": "right"}
DRUG_QS = ["What is the drug used on the {} eye?", "Which drug was injected in the {} eye?",
           "What drug is the {} eye on?", "What was injected into the {} eye?"]
VA_EYE_QS = ["What is the visual acuity of the {} eye?", "What is the VA in the {} eye?",
             "What is the vision in the {} eye?"]
VA_PATIENT_QS = ["What is the visual acuity of this patient?", "What is the patient's VA?", "What is the visual acuity?"]
SPLIT_OFFSETS = {"train": 0, "validation": 1000, "test": 2000}


def _case(rng: random.Random, word: str) -> str:
    # Clinicians type fast: mostly as-is, sometimes lower, Capitalised or shouted.
    return rng.choices([word, word.lower(), word.capitalize(), word.upper()], [6, 2, 2, 1])[0]


def _acuity(rng: random.Random, scale: str) -> tuple[str, list[str]]:
    """(answer text, untagged tokens after it such as a pinhole value) for one eye."""
    if rng.random() < 0.07:
        return rng.choice(["CF", "HM", "PL", "cf", "hm"]), []
    if scale == "logmar":
        value, unit = rng.choice(LOGMAR), _case(rng, "logMAR")
        return rng.choice([value, f"{value} {unit}", f"{unit} {value}"]), []
    chart = CHARTS[scale]
    i = rng.randrange(len(chart))
    value = chart[i] + (rng.choice(["-1", "-2", "+1", "+2"]) if rng.random() < 0.2 else "")
    # Pinhole only ever improves on the unaided line, so draw it from the better lines.
    return value, [_case(rng, "ph"), rng.choice(chart[:i])] if i > 1 and rng.random() < 0.15 else []


def _treatment(rng: random.Random, drugs: dict[str, str], marks: dict[str, str]) -> list:
    form, tokens = rng.randrange(5), []
    for eye, drug in drugs.items():
        verb, d, m = _case(rng, rng.choice(["inj", "IVI", "cont", "tx"])), (f"drug:{eye}", drug), marks[eye]
        tokens += [rng.choice(["+", "/", ","])] if tokens else []
        tokens += [[m, d], [d, m], [verb, d, m], [m, verb, d], [m, d, "inj"]][form]
        tokens += [f"#{rng.randint(2, 14)}"] if rng.random() < 0.12 else []
    return tokens


def _history(rng: random.Random, current: set[str]) -> list:
    dx, age = rng.choice(DIAGNOSES), f"{rng.randint(45, 95)}{rng.choice('MF')}"
    if rng.random() < 0.6:
        return rng.choice([[dx], ["hx", dx], ["pt", age, dx]])
    old = rng.choice([d for d in DRUGS if not current & set(d)])[0]  # never the current drug
    return (["pt", age, "hx", dx, rng.choice(["L", "R", "both eyes"]), "since", str(rng.randint(2012, 2024)),
             ",", rng.choice(["prev", "switched from"]), _case(rng, old), f"x{rng.randint(3, 12)}"]
            + rng.choice([[], ["+", "PRP"], [",", "T2DM"], ["-", "poor response"]]))


def _note(rng: random.Random) -> list[list]:
    """The note's fields as token lists; answer tokens are (tag, text) with tags like 'drug:L', 'va:P'."""
    marks = dict(zip("LR", (_case(rng, m) for m in rng.choice(EYE_STYLES))))
    eyes = rng.choices([["L"], ["R"], ["R", "L"], ["L", "R"]], [3, 3, 3, 1])[0]
    drugs = {e: _case(rng, rng.choice(f)) for e, f in zip(eyes, rng.sample(DRUGS, 2))}
    mode = rng.choices(["each", "same", "ou", "first", "none"], [4, 1, 2, 2, 1])[0] if len(eyes) == 2 else \
        rng.choices(["each", "none"], [6, 1])[0]
    if mode == "same":
        drugs[eyes[1]] = drugs[eyes[0]]
    elif mode == "first":
        del drugs[eyes[1]]
    elif mode == "none":
        drugs = {}
    va_eyes = rng.choices([eyes, eyes[:1], eyes[-1:], []], [5, 2, 1, 2])[0] or ([] if drugs else eyes)
    scale = rng.choices(["metric", "imperial", "logmar"], [6, 2, 2])[0]
    acuity = {e: _acuity(rng, scale) for e in va_eyes}
    # A lone acuity in a one-eye note often has no eye marker: it is the patient's.
    lone = len(eyes) == 1 and len(va_eyes) == 1 and rng.random() < 0.5
    va_mark = _case(rng, rng.choice(["VA", "VA", "V/A", "vis", "VA:"]))
    labels = marks if rng.random() < 0.5 else {"L": _case(rng, "L"), "R": _case(rng, "R")}
    fields: dict[str, list] = {}
    if mode == "ou":
        d, both = ("drug:B", drugs[eyes[0]]), _case(rng, rng.choice(["OU", "both eyes"]))
        fields["drug"] = rng.choice([[both, d], [d, both], [_case(rng, "IVI"), d, both]])
    elif len(drugs) == len(va_eyes) == 2 and rng.random() < 0.3:
        for e in eyes:  # per-eye blocks, separate fields so the shuffle can split them
            fields[e] = [marks[e], (f"drug:{e}", drugs[e]), va_mark, (f"va:{e}", acuity[e][0])] + acuity[e][1]
        acuity = {}
    elif drugs:
        fields["drug"] = _treatment(rng, drugs, marks)
    if acuity:
        va = [] if rng.random() < 0.1 and not lone else [va_mark]
        for e, (value, extra) in acuity.items():
            va += ([] if lone else [labels[e]]) + [(f"va:{'P' if lone else e}", value)] + extra
            va += [","] if rng.random() < 0.2 else []
        fields["va"] = va[:-1] if va[-1] == "," else va
    if rng.random() < 0.75:
        iv, word = rng.choice(INTERVALS), _case(rng, rng.choice(["rev", "r/v", "review", "f/u", "rv"]))
        fields["interval"] = rng.choice([[iv, word], [word, iv], [word, "in", iv]])
    if rng.random() < 0.5:
        fields["fee"] = rng.choice([["hn"], [], []]) + [f"${rng.choice([95, 95, 120, 150, 85, 250])}"]
    if rng.random() < 0.5:
        fields["history"] = _history(rng, {d.lower() for d in drugs.values()})
    remarks = rng.sample(REMARKS, rng.choice([0, 0, 1, 1, 2])) + ([rng.choice(FLUID)] if rng.random() < 0.4 else [])
    fields.update((f"remark{k}", r.split()) for k, r in enumerate(remarks))
    order = ["history", "va", "remark0", "remark1", "remark2", "R", "L", "drug", "interval", "fee"]
    ordered = [fields[k] for k in order if k in fields]
    if rng.random() < 0.5:
        rng.shuffle(ordered)
    return ordered


def _render(rng: random.Random, fields: list[list]) -> tuple[str, dict[str, tuple[int, str]]]:
    """Join fields into the note text and record where each tagged answer starts."""
    sep = rng.choice([" ", " ", ", ", "; ", ". ", " + ", " - "])
    text, spans = "", {}
    for i, field in enumerate(fields):
        text += (rng.choice([", ", " "]) if rng.random() < 0.2 else sep) if i else ""
        for j, tok in enumerate(field):
            tag, word = tok if isinstance(tok, tuple) else (None, tok)
            text += " " if j and word != "," else ""
            if tag:
                spans[tag] = (len(text), word)
            text += word
    return text, spans


def _questions(rng: random.Random, seed: int, index: int, context: str, spans: dict) -> list[dict]:
    named = {e for tag in spans for e in "LR" if tag.endswith(e) or tag == "drug:B"}
    asks = []
    for tag, span in spans.items():
        kind, eye = tag.split(":")
        if kind == "drug":
            asks += [(rng.choices(DRUG_QS, [4, 1, 1, 1])[0].format(EYE_WORDS[e]), span)
                     for e in ("LR" if eye == "B" else eye)]
        elif eye == "P" or (len(named) == 1 and rng.random() < 0.4):
            asks.append((rng.choices(VA_PATIENT_QS, [4, 1, 1])[0], span))
        else:
            asks.append((rng.choices(VA_EYE_QS, [3, 2, 1])[0].format(EYE_WORDS[eye]), span))
    chosen = rng.sample(asks, rng.randint(1, min(3, len(asks))))
    return [{"id": f"clinic-s{seed}-{index:06d}-q{k + 1}", "question": q, "context": context,
             "answers": {"text": [text], "answer_start": [start]}} for k, (q, (start, text)) in enumerate(chosen)]


def _note_stream(seed: int) -> Iterator[list[dict]]:
    """Endless per-note groups of examples; what comes first never depends on how much is drawn."""
    rng, index = random.Random(seed), 0
    while True:
        yield _questions(rng, seed, index, *_render(rng, _note(rng)))
        index += 1


def _take(seed: int, n: int, exclude: set[str]) -> tuple[list[dict], int]:
    """n examples from the seed's stream, skipping notes whose context is in exclude."""
    rows, skipped, stream = [], 0, _note_stream(seed)
    while len(rows) < n:
        group = next(stream)
        if group[0]["context"] in exclude:
            skipped += 1
        else:
            rows += group[: n - len(rows)]
    return rows, skipped


def generate_clinic_notes(n: int, seed: int) -> list[dict]:
    """n QA examples (1-3 per note; the last note may be cut short), identical for a seed."""
    return _take(seed, n, set())[0]


def make_clinic_data(output_dir, train: int = 1200, validation: int = 300, test: int = 400,
                     seed: int = 42) -> dict[str, str]:
    """Write train/validation/test.jsonl and a README.md into output_dir; returns {split: path}.

    Splits use seeds seed, seed+1000, seed+2000. A validation or test note whose text already
    occurs in an earlier split is replaced by the next note, so held-out splits stay held out.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    paths, table = {}, []
    for split, n in (("train", train), ("validation", validation), ("test", test)):
        rows, skipped = _take(seed + SPLIT_OFFSETS[split], n, seen)
        contexts = {r["context"] for r in rows}
        table.append(f"| {split} | {seed + SPLIT_OFFSETS[split]} | {len(rows)} | {len(contexts)} | {skipped} "
                     f"| {len(contexts & seen)} |")
        seen |= contexts
        paths[split] = str(out / f"{split}.jsonl")
        with open(paths[split], "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (out / "README.md").write_text(
        f"# Synthetic clinic notes (extractive QA)\n\nWritten by `distilkit.data.clinic.make_clinic_data("
        f"output_dir, train={train}, validation={validation}, test={test}, seed={seed})`. SYNTHETIC: drawn "
        "from a small grammar of ophthalmology shorthand (docs/clinic-notes.md), not from real patients. "
        "SQuAD-flat JSON Lines; each note gives 1-3 questions.\n\n| split | seed | examples | notes | "
        "notes replaced | notes also in an earlier split |\n|---|---|---|---|---|---|\n" + "\n".join(table)
        + "\n\nA validation or test note whose text occurs verbatim in an earlier split (train, then "
        "validation) is replaced by the next generated note, so no held-out context appears in train.\n",
        encoding="utf-8")
    return paths
