"""What a distilled model's card states: teacher(s) and their accuracy, the distillation settings, what the
student saw (labelled rows and each transfer source), and teacher vs student side by side (accuracy, parameters,
size on disk, batch-1 latency), each measured through its predictor."""
from __future__ import annotations

import json
from pathlib import Path


def _teacher_results(distiller, task, data) -> dict:
    if distiller.d.teacher_logits:
        return {}  # a logits file covers the training data only
    results = {}
    for name, split in (("validation", data.validation), ("test", data.test)):
        if split is not None and split.labels is not None:
            results[name] = task.metrics(distiller.logits(split, name), task.labels.encode(split))
    return results


def _row(name: str, predictor, results: dict, texts: list[str]) -> dict:
    from ..inference.measure import latency_ms

    row = {"model": name}
    for split in ("validation", "test"):
        if split in results:
            row[f"{split}_accuracy"] = round(results[split]["accuracy"], 4)
    info = predictor.backend.info()
    row.update(parameters=info["parameters"], size_mb=info["size_mb"],
               latency_ms_batch1=latency_ms(predictor.predict, texts, runs=50)["p50_ms"])
    return row


def distillation_report(distiller, task, data, student_dir: Path) -> dict:
    from ..inference import Classifier

    d = distiller.d
    teacher_results = _teacher_results(distiller, task, data)
    texts = (data.validation or data.train).texts[:100]
    rows = []
    if not d.teacher_logits:
        members = getattr(distiller.teacher, "members", [distiller.teacher])
        for member in members:
            rows.append(_row(f"teacher: {member.name}", member.predictor,
                             teacher_results if len(members) == 1 else {}, texts))
    student_results = {}
    for split in ("validation", "test"):
        path = student_dir / f"eval_{split}.json"
        if path.is_file():
            report = json.loads(path.read_text())
            student_results[split] = report.get("metrics_without_threshold") or report["metrics"]  # like the teacher's
    rows.append(_row("student (this model)", Classifier(str(student_dir), backend="torch"), student_results, texts))
    return {"teachers": d.teachers or [d.teacher_logits], "teacher_mode": d.teacher_mode.value, "alpha": d.alpha,
            "temperature": d.temperature, "hidden_weight": d.hidden_weight,
            "layer_map": d.layer_map or distiller.cfg.model.keep_layers, "teacher_results": teacher_results,
            "teacher_cache_hits": distiller.cache_hits, "comparison": rows, "transfer": distiller.transfer,
            "training_rows": {"labelled": len(data.train), "transfer": sum(t["texts"] for t in distiller.transfer)}}
