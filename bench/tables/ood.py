"""The out-of-scope detectors table (bench/ood.py)."""
from __future__ import annotations


def _cell(m: dict, key: str) -> str:
    mean, std = m.get(f"{key}_mean"), m.get(f"{key}_std")
    if mean is None:
        return "–"
    return f"{100 * mean:.2f} ± {100 * std:.2f}" if m.get("seeds", 1) > 1 else f"{100 * mean:.2f}"


def ood_table(r: dict) -> list[str]:
    m = r["metrics"]
    detectors = ["max_softmax", "energy", "mahalanobis", "knn"]
    lines = ["| detector | balanced: accuracy | balanced: in-scope acc. | balanced: OOS recall | matched: in-scope acc. "
             "| matched: OOS recall | oracle: OOS recall | test AUROC |", "|---|---|---|---|---|---|---|---|"]
    for d in detectors:
        lines.append(f"| {d} | {_cell(m, f'{d}_balanced_test_accuracy')} | "
                     f"{_cell(m, f'{d}_balanced_test_in_scope_accuracy')} | {_cell(m, f'{d}_balanced_test_oos_recall')} | "
                     f"{_cell(m, f'{d}_matched_test_in_scope_accuracy')} | {_cell(m, f'{d}_matched_test_oos_recall')} | "
                     f"{_cell(m, f'{d}_oracle_test_oos_recall')} | {_cell(m, f'{d}_test_auroc')} |")
    choices = ", ".join(f"seed {s}: {c['detector']}" for s, c in r.get("auto_choice", {}).items())
    best = r.get("best_detector")
    return lines + ["", f"Percent on CLINC150 plus test (5,500 rows, 1,000 out of scope), mean ± std over "
                        f"{m.get('seeds', 1)} seed(s) of the same fine-tuned MiniLM-L6 per seed. *Balanced*: each "
                        "detector's threshold maximises validation's mean of in-scope accuracy and OOS recall (what "
                        "training stores). *Matched*: the threshold with the highest validation OOS recall whose "
                        "validation in-scope accuracy is at least max-softmax's (OOS recall at equal in-scope "
                        "accuracy). *Oracle*: OOS recall at max-softmax's test in-scope accuracy, the threshold read off the test "
                        "curve (compares detectors at one point; not deployable). What `data.oos_detector: auto` "
                        "stored: " + (choices or "–") + ". Best at the "
                        f"matched point: {best}, {m.get('best_detector_matched_gain_oos_recall_points')} points of "
                        f"OOS recall over max-softmax at {m.get('best_detector_matched_gain_in_scope_accuracy_points')} "
                        "points of in-scope accuracy (target: >= +3 at >= 0)."]


OOD = [("ood", "Out-of-scope detection beyond max-softmax: CLINC150 plus, one fine-tuned model, four detectors "
        "(bench/ood.py)", ood_table)]
