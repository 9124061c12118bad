"""Turn Trainer's flat log history into the per-epoch results table of the model card."""
from __future__ import annotations


def epoch_table(log_history: list[dict]) -> list[dict]:
    """One row per evaluation: training loss (mean of the step logs since the previous
    evaluation), epoch, step, validation loss and each validation metric."""
    rows, pending = [], []
    for entry in log_history:
        if "loss" in entry and "eval_loss" not in entry:
            pending.append(entry["loss"])
        elif "eval_loss" in entry:
            row = {"training_loss": round(sum(pending) / len(pending), 4) if pending else None,
                   "epoch": round(entry.get("epoch", 0.0), 2), "step": entry.get("step"),
                   "validation_loss": round(entry["eval_loss"], 4)}
            for key, value in entry.items():
                if key.startswith("eval_") and key != "eval_loss" and not key.endswith(("runtime", "per_second")):
                    row[key[5:]] = round(value, 4)
            rows.append(row)
            pending = []
    return rows


def training_losses(log_history: list[dict]) -> list[tuple[int, float]]:
    return [(e["step"], e["loss"]) for e in log_history if "loss" in e and "eval_loss" not in e]
