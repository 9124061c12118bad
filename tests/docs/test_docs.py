"""The documentation site: it builds with `mkdocs build --strict` (a broken link, a missing anchor or a stale
reference in a generated page fails), every recipe field and every command and flag appears in it, and every
`distilkit ...` command line written in the docs, the README and the scripts still parses.

The site is built once, into a temporary folder (never the repository's site/). Needs the `docs` extra, which
scripts/setup.sh installs; without it these tests skip with that reason, and fail in CI (CI set)."""
from __future__ import annotations

import dataclasses
import html
import os
import re
import shlex
import subprocess
import sys
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")


def _need_mkdocs() -> None:
    try:
        import mkdocs  # noqa: F401
        import material  # noqa: F401
        import mkdocstrings  # noqa: F401
    except ImportError as exc:
        reason = f"the docs extra is not installed ({exc.name}): pip install -c constraints.txt -e '.[docs]'"
        if IN_CI:
            pytest.fail(f"CI must build the docs: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    _need_mkdocs()
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail("mkdocs build --strict failed:\n" + (done.stderr + done.stdout)[-6000:])
    return out


def page_text(site: Path, page: str) -> str:
    """The text of a built page, tags removed and entities decoded (what a reader sees)."""
    raw = (site / page / "index.html").read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def undocumented(names: list[str], text: str) -> list[str]:
    """The names that do not occur in ``text`` as whole tokens (``data.test`` is not found in ``data.test_x``)."""
    return [n for n in names if not re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", text)]


# ------------------------------------------------------------------------------------------- what must appear

def recipe_fields() -> list[str]:
    """Every field of a recipe, walked from RunConfig: 'task', 'model.max_length', ..."""
    from distilkit.config import RunConfig

    names = []
    hints = typing.get_type_hints(RunConfig)
    for f in dataclasses.fields(RunConfig):
        section = hints[f.name]
        if dataclasses.is_dataclass(section):
            names += [f"{f.name}.{g.name}" for g in dataclasses.fields(section)]
        else:
            names.append(f.name)
    return names


def command_flags() -> dict[str, list[str]]:
    """Every command of distilkit.cli.COMMANDS with its option strings and positional names."""
    import argparse

    from distilkit.cli import COMMANDS, build_parser

    subs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert set(subs) == set(COMMANDS)
    return {name: [o for a in sub._actions if not isinstance(a, argparse._HelpAction)
                   for o in (a.option_strings or [a.dest])] for name, sub in subs.items()}


def cli_sections(text_html: str) -> dict[str, str]:
    """The CLI page cut at each command's heading (id = the command's name)."""
    parts = re.split(r'<h2 id="([\w-]+)"', text_html)
    return {parts[i]: html.unescape(re.sub(r"<[^>]+>", " ", parts[i + 1])) for i in range(1, len(parts), 2)}


# ------------------------------------------------------------------------------------------- the site

def test_the_site_builds_strict_and_holds_every_page(site):
    for page in ("getting-started", "recipes", "data", "training", "preemption", "losses", "distillation",
                 "question-answering", "clinic-notes", "zero-shot", "behaviour-tests", "export", "batch-inference",
                 "serving", "benchmarks", "benchmarks/results", "cli", "api", "layout"):
        assert (site / page / "index.html").is_file(), page
    assert (site / "playground.png").is_file()
    assert not (site / "hooks").exists() and not list(site.rglob("*.py")), "the hook's code must not be published"


def test_every_generated_part_is_asked_for_by_a_page():
    """The markers of the pages and the generators of docs/hooks/ match both ways (a marker without a generator
    fails the build; this catches a generator no page uses any more)."""
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        from distilkit_docs import GENERATORS, MARKER
    finally:
        sys.path.remove(str(ROOT / "docs" / "hooks"))
    used = {m for page in (ROOT / "docs").glob("*.md") for m in MARKER.findall(page.read_text(encoding="utf-8"))}
    assert used == set(GENERATORS)


def test_every_recipe_field_is_documented(site):
    fields = recipe_fields()
    assert len(fields) > 60 and "training.learning_rate" in fields and "qa.doc_stride" in fields
    assert undocumented(fields, page_text(site, "recipes")) == []


def test_every_command_and_flag_is_documented(site):
    sections = cli_sections((site / "cli" / "index.html").read_text(encoding="utf-8"))
    for command, flags in command_flags().items():
        assert command in sections, f"distilkit {command} has no section in the CLI reference"
        assert f"distilkit {command}" in sections[command]
        assert undocumented(flags, sections[command]) == [], command


def test_the_checks_catch_what_is_missing(site):
    """Planted gaps: a field the page does not hold, a field removed from the page, a flag removed from its
    command's section (the flag still appears in other commands' sections, which must not count)."""
    text = page_text(site, "recipes")
    assert undocumented(recipe_fields() + ["training.no_such_field"], text) == ["training.no_such_field"]
    assert undocumented(recipe_fields(), text.replace("training.learning_rate", "")) == ["training.learning_rate"]
    assert undocumented(["data.test"], "data.test_unseen data.testing") == ["data.test"]
    sections = cli_sections((site / "cli" / "index.html").read_text(encoding="utf-8"))
    assert "--threads" in sections["bench"]
    assert undocumented(command_flags()["serve"], sections["serve"].replace("--threads", "")) == ["--threads"]


def test_the_api_reference_renders_every_public_name(site):
    import distilkit

    text = page_text(site, "api")
    assert undocumented(list(distilkit.__all__), text) == []


def test_the_benchmark_results_are_published_as_they_are(site):
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    first_table_row = next(line for line in results.splitlines() if line.startswith("| ") and "---" not in line)
    cells = [c.strip() for c in first_table_row.strip("|").split("|")]
    text = page_text(site, "benchmarks/results")
    assert all(html.unescape(re.sub(r"[`*]", "", c)) in text for c in cells if c), first_table_row


# ------------------------------------------------------------------------------------------- command lines

def command_lines() -> list[tuple[str, list[str]]]:
    """(where, argv after 'distilkit') for each distilkit command line in a fenced shell block of the docs and
    the README, and each line of scripts/*.sh that runs distilkit."""
    found = []
    sources = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"^```(?:bash|sh|shell)\n(.*?)^```", text, flags=re.S | re.M):
            found += _lines(block, path.relative_to(ROOT))
    for path in sorted((ROOT / "scripts").glob("*.sh")):
        found += _lines(path.read_text(encoding="utf-8"), path.relative_to(ROOT))
    for path in sorted((ROOT / "recipes").glob("*.yaml")):
        found += _lines("\n".join(recipe_commands(path.read_text(encoding="utf-8"))), path.relative_to(ROOT))
    return found


def recipe_commands(text: str) -> list[str]:
    """The distilkit commands a recipe's comments tell you to run ('#   run:  distilkit train ...'), each cut at
    the comment beside it (two spaces or more) or its closing backtick; continued lines joined."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        comment = lines[i].split("#", 1)[1] if "#" in lines[i] else ""
        while comment.rstrip().endswith("\\") and i + 1 < len(lines) and "#" in lines[i + 1]:
            i += 1
            comment = comment.rstrip()[:-1] + " " + lines[i].split("#", 1)[1].strip()
        found = re.search(r"(?<![\w/.~-])distilkit (?=[a-z])", comment)
        command = re.split(r"\s{2,}|`", comment[found.start():])[0].strip() if found else ""
        if len(command.split()) > 2:  # 'distilkit check' alone names a command in prose
            out.append(command)
        i += 1
    return out


def _lines(block: str, where) -> list[tuple[str, list[str]]]:
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        starts = [i for i, w in enumerate(words) if Path(w).name == "distilkit"]
        if starts:
            argv = [w for w in words[starts[0] + 1:] if "[@]" not in w]  # a shell array passed through ("$@")
            argv = argv[:next((i for i, w in enumerate(argv) if w in ("|", "&&", ";", ">")), len(argv))]
            if argv and not argv[0].startswith("-"):
                out.append((f"{where}: {line.strip()}", argv))
    return out


def test_every_command_line_in_the_docs_parses():
    from distilkit.cli import POSITIONAL_LISTS, build_parser

    lines = command_lines()
    assert len(lines) > 40 and any(argv[0] == "serve" for _, argv in lines)
    parser, bad = build_parser(), []
    for where, argv in lines:
        try:
            parsed, extra = parser.parse_known_args(argv)
        except SystemExit:
            bad.append(where)
            continue
        free = any(name in vars(parsed) for name in POSITIONAL_LISTS)  # texts after a flag, as main() allows
        if extra and not (free and not any(x.startswith("-") for x in extra)):
            bad.append(f"{where} (unrecognised: {' '.join(extra)})")
    assert bad == [], "command lines that no longer parse:\n" + "\n".join(bad)


def test_a_stale_command_line_is_caught():
    from distilkit.cli import build_parser

    planted = _lines("distilkit train recipes/emotion.yaml --no-such-flag 3\n", "planted")
    with pytest.raises(SystemExit):
        build_parser().parse_args(planted[0][1])
    comment = "# once: `distilkit teacher fetch mpnet-base` assembles it into ~/.cache/distilkit (no hub)\n"
    assert recipe_commands(comment) == ["distilkit teacher fetch mpnet-base"]  # a command that no longer exists
    with pytest.raises(SystemExit):
        build_parser().parse_known_args(_lines(recipe_commands(comment)[0], "planted")[0][1])
