"""Multi-process training on CPU through `accelerate launch --num_processes 2` (gloo).

On a machine without CUDA, accelerate's `--multi_gpu` launcher (torchrun) starts the processes and
they train as MULTI_CPU over gloo; `--cpu` would force its single-process launcher instead."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, tiny_config


@pytest.mark.slow
def test_accelerate_launch_two_cpu_processes(tmp_path, tiny_bert, toy_data):
    cfg = tiny_config(tiny_bert, toy_data, tmp_path / "run", epochs=6, batch_size=8, num_threads=1)
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(cfg.to_dict()))
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "-m", "distilkit.cli", "train", str(recipe)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "training_summary.json").read_text())
    assert summary["derived"]["num_processes"] == 2
    # 160 examples / (8 per process * 2 processes) = 10 steps per epoch.
    assert summary["derived"]["total_steps"] == 60
    assert summary["results"]["test"]["accuracy"] >= 0.75
