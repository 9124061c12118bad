"""Pictures people would rather look at than read: learning curve and confusion matrix."""
from __future__ import annotations

from pathlib import Path

import matplotlib

from .io import atomic_path

matplotlib.use("Agg")  # headless: no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402


def save(fig, path: Path, **kwargs) -> Path:
    """Write ``fig`` to ``path`` atomically (a reader never sees half an image), then close it; savefig takes
    the format from the temporary file's suffix, the final name's."""
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, **kwargs)
    finally:
        plt.close(fig)
    return path


def learning_curve(loss_curve: list, history: list[dict], path: Path, metric: str = "accuracy") -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    if loss_curve:
        steps, losses = zip(*loss_curve)
        ax.plot(steps, losses, label="training loss", color="tab:blue", alpha=0.8)
    if history:
        ax.plot([r["step"] for r in history], [r["validation_loss"] for r in history], "o-",
                label="validation loss", color="tab:orange")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if history and metric in history[0]:
        right = ax.twinx()
        right.plot([r["step"] for r in history], [r[metric] for r in history], "s--", color="tab:green",
                   label=f"validation {metric}")
        right.set_ylabel(metric)
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    # One legend under the plot, so it never hides a curve.
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    ax.set_title("Learning curve")
    fig.subplots_adjust(bottom=0.22)
    return save(fig, path, dpi=110, bbox_inches="tight")


def confusion_matrix_plot(matrix: list[list[int]], names: list[str], path: Path, title: str) -> Path:
    import numpy as np

    cm = np.asarray(matrix, dtype=float)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)  # rows sum to 1: recall per class
    n = len(names)
    errors_only = n > 30
    if errors_only:  # with many classes the diagonal drowns everything: show where the errors are
        np.fill_diagonal(norm, 0)
        title += " (errors only; diagonal hidden)"
    size = min(4 + 0.35 * n, 24)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    im = ax.imshow(norm, cmap="Reds" if errors_only else "Blues", vmin=0, vmax=max(norm.max(), 1e-9) if errors_only else 1)
    fig.colorbar(im, ax=ax, fraction=0.046, label="fraction of true class")
    if n <= 30:  # beyond that, tick labels and counts become unreadable
        ax.set_xticks(range(n), names, rotation=45, ha="right")
        ax.set_yticks(range(n), names)
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    return save(fig, path, dpi=110)


def reliability_diagram(calibration: dict, path: Path, title: str) -> Path:
    """Accuracy against mean confidence per equal-width bin (metrics.calibration), the diagonal a perfectly
    calibrated model would follow, the share of answers in each bin below, and the ECE in the title."""
    bins = calibration["bins"]
    fig, (ax, counts) = plt.subplots(2, 1, figsize=(5, 5.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    width = bins[0]["high"] - bins[0]["low"]
    centres = [(b["low"] + b["high"]) / 2 for b in bins]
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    ax.bar(centres, [b["accuracy"] or 0 for b in bins], width=width * 0.9, color="tab:blue", alpha=0.75,
           label="accuracy (exact match)")
    filled = [b for b in bins if b["count"]]
    ax.plot([b["confidence"] for b in filled], [b["accuracy"] for b in filled], "o", color="tab:orange",
            label="mean confidence, accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE {calibration['ece']:.4f} over {calibration['answers']} answers ({len(bins)} bins)",
                 fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    total = max(sum(b["count"] for b in bins), 1)
    counts.bar(centres, [b["count"] / total for b in bins], width=width * 0.9, color="tab:grey")
    counts.set_ylabel("share")
    counts.set_xlabel("confidence of the answer given")
    fig.tight_layout()
    return save(fig, path, dpi=110)
