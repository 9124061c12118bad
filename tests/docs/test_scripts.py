"""The first-day scripts, run for real on copies of themselves with stand-ins for what is slow (pip, training,
pytest): setup.sh installs again exactly when pyproject.toml or constraints.txt changed; quickstart.sh reuses a
finished model (one line), trains with --overwrite, resumes otherwise, and shows the card's body, not its
front matter; test.sh says in one line why the browser test will be skipped, and hands that reason to pytest.
Each test takes well under a second."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_LINE = ("no apt-get: the playground browser test (tests/serve/test_playground.py) is skipped; install "
             "chromium to run it")


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def repo_copy(tmp_path: Path, script: str, stub_setup: bool = True) -> Path:
    """A folder holding scripts/SCRIPT (and a do-nothing setup.sh when asked): the script cds to its parent."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / script, root / "scripts" / script)
    if stub_setup:
        executable(root / "scripts" / "setup.sh", "#!/usr/bin/env bash\nexit 0\n")
    return root


def run(root: Path, script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(root / "scripts" / script), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60)


# ------------------------------------------------------------------------------------------- setup.sh

@pytest.fixture
def setup_copy(tmp_path):
    """setup.sh beside copies of pyproject.toml and constraints.txt, with a .venv whose python records
    `-m pip ...` calls instead of installing, answers the import check with $IMPORT_OK, and runs the rest
    (the hash) with the real interpreter."""
    root = repo_copy(tmp_path, "setup.sh", stub_setup=False)
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, root / name)
    log = tmp_path / "pip.log"
    executable(root / ".venv" / "bin" / "python", f"""#!/usr/bin/env bash
if [ "$1" = -m ]; then echo "$*" >> {log}; exit 0; fi
if [ "$1" = -c ] && [[ "$2" == import\\ distilkit* ]]; then exit "${{IMPORT_OK:-0}}"; fi
exec {sys.executable} "$@"
""")
    return root, log


def installs(root: Path, log: Path, **env) -> bool:
    before = log.read_text().count("pip install -q -c") if log.exists() else 0
    done = run(root, "setup.sh", env=env)
    assert done.returncode == 0, done.stderr
    return (log.read_text().count("pip install -q -c") if log.exists() else 0) > before


def test_setup_installs_again_exactly_when_pyproject_or_constraints_change(setup_copy):
    root, log = setup_copy
    assert installs(root, log)  # nothing recorded yet
    assert "[test,search,onnx,serve,ray,docs]" in log.read_text()
    assert not installs(root, log)  # the same files: nothing to do
    with open(root / "constraints.txt", "a") as f:
        f.write("somepackage==1.0\n")
    assert installs(root, log)  # a new pin alone (pyproject.toml unchanged) installs again
    assert not installs(root, log)
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "\n# changed\n")
    assert installs(root, log)
    assert installs(root, log, IMPORT_OK="1")  # a broken install is repaired whatever the hash says


# ------------------------------------------------------------------------------------------- quickstart.sh

CARD = "---\nlicense: apache-2.0\nmodel-index:\n- name: emotion\n---\n\n# minilm-l6-emotion\n\n" + "".join(
    f"body line {i}\n" for i in range(1, 60))


@pytest.fixture
def quickstart(tmp_path):
    """quickstart.sh with a `distilkit` that records its arguments, and an output folder."""
    root = repo_copy(tmp_path, "quickstart.sh")
    log = tmp_path / "distilkit.log"
    executable(root / ".venv" / "bin" / "distilkit", f'#!/usr/bin/env bash\necho "$*" >> {log}\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text(CARD)
    return root, log, out


def test_quickstart_reuses_a_finished_model_and_shows_the_card_body(quickstart):
    root, log, out = quickstart
    (out / "training_summary.json").write_text("{}")
    done = run(root, "quickstart.sh", env={"OUT": str(out)})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"{out} already holds a finished model (training_summary.json): reusing it without "
                        "training; pass --overwrite to train again")
    calls = log.read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["eval", "predict"]  # no training
    assert lines[1] == "# minilm-l6-emotion"  # the body, after the front matter
    assert "license: apache-2.0" not in done.stdout and "model-index" not in done.stdout
    assert "body line 38" in done.stdout and "body line 40" not in done.stdout  # 40 lines of the body
    assert lines[-1] == f"... (the whole card: {out}/README.md)"


def test_quickstart_overwrite_trains_again_and_a_fresh_run_resumes(quickstart):
    root, log, out = quickstart
    (out / "training_summary.json").write_text("{}")
    assert run(root, "quickstart.sh", "--overwrite", env={"OUT": str(out)}).returncode == 0
    assert log.read_text().splitlines()[0] == f"train recipes/emotion.yaml --output-dir {out} --overwrite"
    log.unlink()
    (out / "training_summary.json").unlink()  # not finished (say, killed): continue from its checkpoint
    assert run(root, "quickstart.sh", "--epochs", "1", env={"OUT": str(out)}).returncode == 0
    assert log.read_text().splitlines()[0] == f"train recipes/emotion.yaml --output-dir {out} --epochs 1 --resume auto"


def test_quickstart_reads_the_output_folder_from_its_flag(quickstart, tmp_path):
    root, log, out = quickstart
    (out / "training_summary.json").write_text("{}")
    done = run(root, "quickstart.sh", "--output-dir", str(out), env={"OUT": str(tmp_path / "elsewhere")})
    assert done.returncode == 0 and done.stdout.startswith(f"{out} already holds a finished model")


# ------------------------------------------------------------------------------------------- test.sh

@pytest.fixture
def test_sh(tmp_path):
    """test.sh with a python that records the browser reason it is given, on a PATH of chosen tools."""
    root = repo_copy(tmp_path, "test.sh")
    seen = tmp_path / "reason"
    executable(root / ".venv" / "bin" / "python", f'#!/usr/bin/env bash\necho "${{DISTILKIT_NO_BROWSER:-}}" > {seen}\n')
    bin_dir = tmp_path / "bin"  # this machine's PATH without apt-get, sudo and chromium
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else []:
            target = bin_dir / tool.name
            left_out = tool.name in ("apt-get", "sudo", "chromium")
            if not left_out and not os.path.lexists(target) and os.access(tool, os.X_OK):
                target.symlink_to(tool)
    return root, seen, bin_dir


def browser_run(root: Path, bin_dir: Path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "DISTILKIT_NO_BROWSER")}
    return subprocess.run(["bash", str(root / "scripts" / "test.sh"), "-k", "playground"], capture_output=True,
                          text=True, timeout=60, env={**clean, "PATH": str(bin_dir),
                                                      "DISTILKIT_CHROMIUM": "/nonexistent/chromium", **env})


def test_without_apt_get_one_line_says_why_and_pytest_gets_that_reason(test_sh):
    root, seen, bin_dir = test_sh
    done = browser_run(root, bin_dir)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [SKIP_LINE]
    assert seen.read_text().strip() == SKIP_LINE


def test_in_ci_the_line_says_the_test_fails(test_sh):
    root, seen, bin_dir = test_sh
    done = browser_run(root, bin_dir, CI="true")
    assert done.stderr.splitlines() == [SKIP_LINE.replace("is skipped; install chromium to run it",
                                                           "fails in CI; install chromium there")]


def test_not_root_without_sudo_never_calls_apt_get(test_sh, tmp_path):
    root, seen, bin_dir = test_sh
    calls = tmp_path / "apt.log"
    executable(bin_dir / "apt-get", f'#!/usr/bin/env bash\necho "$*" >> {calls}\n')
    (bin_dir / "id").unlink()
    executable(bin_dir / "id", '#!/usr/bin/env bash\n[ "$1" = -u ] && echo 1000\n')
    done = browser_run(root, bin_dir)
    assert not calls.exists()
    assert done.stderr.splitlines() == [SKIP_LINE.replace("no apt-get", "not root and no passwordless sudo to "
                                                                        "apt-get install chromium")]


def test_with_chromium_there_nothing_is_said(test_sh, tmp_path):
    root, seen, bin_dir = test_sh
    browser = executable(tmp_path / "chromium", "#!/usr/bin/env bash\n")
    done = browser_run(root, bin_dir, DISTILKIT_CHROMIUM=str(browser))
    assert done.stderr == "" and seen.read_text().strip() == ""
