"""Every flag of every command against the dataclass field it feeds (limits are declared once, on the fields):
its default is the field's, its bounds are the field's (an out-of-range number is one line and exit 2 before
anything loads), every list flag follows the one convention (cli/lists.py), and the dataclasses refuse the same
numbers with the same words."""
from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from distilkit import cli, options
from distilkit.cli import FLAG_NAMES, build_parser, main
from distilkit.cli.lists import split_items
from distilkit.cli.ranges import bounds_of, feeds
from distilkit.config import (DataConfig, DistillConfig, LossConfig, ModelConfig, QAConfig, TrainingConfig, bounded,
                              field_bounds)
from distilkit.errors import DistilkitError
from distilkit.serve.settings import ServeSettings


def base_argv(command: str) -> list[str]:
    """The command with placeholder values for what it requires (nothing is ever loaded: the range check
    fires first, and the placeholders do not exist, so a missed check would fail with another message)."""
    argv = [command]
    for p in inspect.signature(cli.COMMANDS[command]).parameters.values():
        if p.default is not inspect.Parameter.empty:  # OPTIONAL_POSITIONALS have defaults too
            continue
        if p.kind is p.KEYWORD_ONLY:
            argv += [FLAG_NAMES.get(p.name, "--" + p.name.replace("_", "-")), "no-such-thing"]
        else:
            argv.append("no-such-thing")
    return argv


def parse(command: str, extra: list[str]) -> dict:
    return vars(build_parser().parse_known_args(base_argv(command) + extra)[0])


def flags_of(command: str) -> dict:
    """dest -> cli.Flag, as the command's parser was built."""
    return parse(command, [])["_flags"]


def field_default(source):
    cls, name = source
    default = next(f.default for f in dataclasses.fields(cls) if f.name == name)
    return default.value if isinstance(default, enum.Enum) else default


def problems(command: str) -> list[str]:
    """What is wrong with a command's flags against the fields they feed (empty when all is well)."""
    found = []
    for dest, flag in flags_of(command).items():
        where = f"{command} {flag.option or dest}"
        if flag.numeric and bounds_of(flag.source) is None:
            found.append(f"{where}: a number that feeds no field with declared bounds (name its options class "
                         "in the command's @feeds, declare the field with bounded())")
        if flag.source is not None and flag.default != field_default(flag.source):
            found.append(f"{where}: default {flag.default!r}, but {flag.source[0].__name__}.{flag.source[1]} "
                         f"says {field_default(flag.source)!r}")
        if flag.is_list:
            got = parse(command, [flag.option, "a, b", flag.option, "c"]).get(dest)
            if got != ["a", "b", "c"] or flag.default is not None:
                found.append(f"{where}: a list flag must take comma-separated items, repeatably, default None "
                             f"(got {got!r}, default {flag.default!r})")
        elif flag.option and any(word in (flag.help or "").lower()
                                 for word in ("comma-separated", "repeatable", "space-separated")):
            found.append(f"{where}: takes a list in its own way; type it list[str] (the one convention)")
        elif flag.option and not isinstance(flag.default, bool) and offers_a_list(flag.help or ""):
            found.append(f"{where}: its help offers names joined by commas or 'none' in one string; type it "
                         "list[str] (the one convention)")
    return found


def offers_a_list(help: str) -> bool:
    """A single-value flag whose help offers a list all the same: names joined by commas ('eyes.rt_lt,separator.pipe',
    'a,b') or a set whose empty choice is 'none' ('eye_swap ... or none'), the shapes of a list flag's help."""
    return bool(re.search(r"[A-Za-z_][\w.-]*,[A-Za-z_][\w.-]*", help) or re.search(r"\bor\s+'?none\b", help, re.I))


def test_every_flag_matches_the_field_it_feeds():
    assert not [p for command in cli.COMMANDS for p in problems(command)]
    numbers = [(c, d) for c in cli.COMMANDS for d, f in flags_of(c).items() if f.numeric]
    assert len(numbers) >= 45  # the walk really covers the commands (serve's come from ServeSettings)


def bad_values(limits) -> list[str]:
    """Just outside each side: the bound itself where it is excluded, one step beyond where it is included."""
    values = []
    if limits.low is not None:
        values.append(limits.low if limits.low_open else limits.low - 1)
    if limits.high is not None:
        values.append(limits.high if limits.high_open else limits.high + 1)
    return [str(int(v)) if float(v).is_integer() else str(v) for v in values]


CASES = [(c, d) for c in cli.COMMANDS for d, f in flags_of(c).items() if f.numeric]


def refusal_problems(command: str, dest: str, monkeypatch, capsys) -> list[str]:
    """Each bad number: exit 2 with one line naming the flag, and the command's body never ran (the range check
    fires before anything is read or loaded). Checked by what ran, not by the clock: a wall-time bound flickers on a
    busy CI machine, and in a warm worker a heavy import costs nothing to re-import anyway."""
    flag = flags_of(command)[dest]
    found, ran = [], []
    body = cli.COMMANDS[command]

    @functools.wraps(body)
    def recording(*args, **kwargs):
        ran.append(kwargs)
        return body(*args, **kwargs)

    monkeypatch.setitem(cli.COMMANDS, command, recording)
    values = bad_values(bounds_of(flag.source))
    if float in {type(field_default(flag.source)), type(flag.default)}:
        values.append("inf")
    for value in values:
        before = set(sys.modules)
        code = main(base_argv(command) + [flag.option, value])
        err = capsys.readouterr().err.strip()
        heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in HEAVY)
        if code != 2 or "\n" in err or not err.startswith(f"error: {flag.option} {value}: must be"):
            found.append(f"{command} {flag.option} {value}: exit {code}, {err!r}")
        elif ran or heavy:
            found.append(f"{command} {flag.option} {value}: the command ran ({len(ran)}x) or imported {heavy[:3]} "
                         "before the range check refused it")
        ran.clear()
    return found


HEAVY = {"torch", "transformers", "datasets", "onnxruntime", "ray", "fastapi", "sklearn"}


@pytest.mark.parametrize("command,dest", CASES, ids=[f"{c}--{d}" for c, d in CASES])
def test_out_of_range_numbers_give_one_line_and_exit_2(command, dest, monkeypatch, capsys):
    assert not refusal_problems(command, dest, monkeypatch, capsys)


def test_top_k_and_batch_size_zero_from_a_shell():
    """The two reported cases, as a user types them: one line, exit 2, no traceback."""
    for argv in (["predict", "runs/x", "hello", "--batch-size", "0"], ["predict", "runs/x", "hello", "--top-k", "0"]):
        done = subprocess.run([sys.executable, "-m", "distilkit.cli", *argv], capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.strip().startswith(f"error: {argv[3]} 0: must be >= 1"), done.stderr


BOUNDED = [ModelConfig, DataConfig, LossConfig, TrainingConfig, DistillConfig, QAConfig, ServeSettings,
           *[c for c in vars(options).values() if dataclasses.is_dataclass(c)]]
PREFIX = {ModelConfig: "model.", DataConfig: "data.", LossConfig: "loss.", TrainingConfig: "training.",
          DistillConfig: "distill.", QAConfig: "qa."}


@pytest.mark.parametrize("cls", BOUNDED, ids=lambda c: c.__name__)
def test_the_dataclasses_refuse_with_the_same_bounds(cls):
    """A recipe, a server setting or an options object built in Python meets the same limits as the flag."""
    for name, limits in field_bounds(cls).items():
        for value in bad_values(limits):
            number = float(value) if "." in value else int(value)
            with pytest.raises(DistilkitError) as info:
                cls(**{name: number})
            assert str(info.value) == f"{PREFIX.get(cls, '')}{name} {value}: {limits.refusal(number)}"


def test_model_settings_share_the_training_bounds():
    from distilkit.inference.settings import ModelSettings

    assert field_bounds(ModelSettings)["max_length"] == field_bounds(ModelConfig)["max_length"]
    with pytest.raises(DistilkitError, match=r"^distilkit.json: max_length 4: must be between 8 and 8192"):
        ModelSettings(task="text-classification", max_length=4)


def test_list_items_split_at_commas_outside_brackets():
    assert split_items("a, b,c") == ["a", "b", "c"]
    assert split_items("model.keep_layers=[0,2,4],training.epochs=2") == ["model.keep_layers=[0,2,4]",
                                                                          "training.epochs=2"]
    assert split_items(r"card.notes=one\, two") == ["card.notes=one, two"]
    assert split_items("a,,b") == ["a", "", "b"]  # kept: the command names the empty item


def test_zero_shot_labels_keep_name_equals_words_and_texts_after_them():
    from distilkit.tasks.entailment import parse_labels

    args = parse("zero-shot", ["--labels", "joy=a happy text,sad", "--labels", "anger", "a text"])
    assert args["labels"] == ["joy=a happy text", "sad", "anger"]
    assert parse_labels(args["labels"]) == {"joy": "a happy text", "sad": "sad", "anger": "anger"}


def test_a_list_given_the_old_way_names_the_convention(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "m", "--data", "d", "--label-names", "neg", "pos"])
    assert "--label-names a,b,c" in capsys.readouterr().err


@dataclass
class Planted:
    n: int = bounded(5, "things", at_least=1)
    """Things."""


def test_the_checks_catch_planted_mismatches(monkeypatch, capsys):
    """The walk above must be able to fail: a default that differs from its field, a number without bounds, a
    list flag of another convention, and a flag whose bounds are not enforced are all found."""
    @feeds(Planted)
    def planted(n: int = 6, m: int = 1, labels: str | None = None, tags: list[str] | None = None,
                augment: str = "eye_swap", families: str | None = None, detail: str = "plain"):
        """A planted command.

        Args:
            n: Things.
            m: A number without bounds.
            labels: Labels, comma-separated.
            tags: Tags.
            augment: Train-only augmentation: eye_swap (each note that marks both eyes also written with the eye
                markers swapped and its answers following them; its examples come on top of TRAIN) or none.
            families: Families kept out: eyes.rt_lt,separator.pipe,... or default.
            detail: What notes carry: plain, or procedure (doses after drugs, slips in spellings).
        """

    monkeypatch.setitem(cli.COMMANDS, "planted", planted)
    found = "\n".join(problems("planted"))
    assert "--n: default 6, but Planted.n says 5" in found
    assert "--m: a number that feeds no field" in found
    assert "--labels: takes a list in its own way" in found
    assert "--tags" not in found  # a list[str] flag follows the convention by construction
    assert "--augment: its help offers names joined by commas or 'none'" in found  # make-clinic-data's old flag
    assert "--families: its help offers names joined by commas" in found
    assert "--detail" not in found  # one choice among several ('plain, or procedure') is no list
    monkeypatch.setattr(cli, "check_ranges", lambda args, numbers: None)
    assert refusal_problems("planted", "n", monkeypatch, capsys)

    @feeds(Planted)
    def late(n: int = 5):
        """A command that refuses the number itself, after it has started (right words, too late).

        Args:
            n: Things.
        """
        raise DistilkitError(f"--n {n}: must be at least 1 things")

    monkeypatch.setitem(cli.COMMANDS, "late", late)
    assert any("the command ran (1x)" in p for p in refusal_problems("late", "n", monkeypatch, capsys))
