"""Calibration of embedding zero-shot scores from a few labelled rows.

Embedding zero-shot scores a text against each label by the cosine of their embeddings. Cosines are not
probabilities, and some labels' descriptions sit closer to every text than others' (a generic description draws
everything to it). A ``Calibration``, kept per label set and template, holds:

- a temperature τ: single-label scores are softmax((cos - t) / τ) over the labels;
- a threshold t per label, on the cosine scale: multi-label scores are sigmoid((cos - t) / τ), so a label applies
  when its score is at least 0.5, as with NLI's multi-label scores. In single-label scoring only the differences
  between the labels' thresholds matter: they act as one offset per label.

The defaults (no labelled rows): τ = 0.05, the temperature of the contrastive loss sentence-transformers trains its
embedding models with (MultipleNegativesRankingLoss, scale 20: all-MiniLM-L6-v2 and all-mpnet-base-v2 among them),
so cosines are spread as they were in training; and one threshold for every label (``DEFAULT_THRESHOLD``), which
leaves single-label scores at softmax(cos / τ).

``fit`` with single-label rows fits τ and the thresholds together by minimising the rows' negative log-likelihood
(L-BFGS); the spread of the thresholds is L2-penalised, so a label seen in few rows moves little, and their mean
stays put (a shift common to every label changes no single-label score). The offsets learn the label mix of the
rows as well as each label's bias: give rows drawn as the texts to classify are (not balanced per label when the
real mix is not). With multi-label rows each label's threshold goes where its F1 on the rows is best (midway
between neighbouring cosines); τ stays.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..ood import sigmoid

DEFAULT_TEMPERATURE = 0.05
DEFAULT_THRESHOLD = 0.15
"""Cosine at which an uncalibrated label's multi-label score is 0.5: midway between MiniLM-L6's mean cosine of a
text to its own label (0.17) and to the others (0.12) on the emotion validation split with the default template
'This example is {}.' (a trial, not a committed benchmark). It depends on model and template: calibrate."""
SPREAD_PENALTY = 10.0
"""Weight of the L2 penalty on the thresholds' spread (cosine units squared) in the single-label fit. In a trial
(MiniLM-L6, 'I feel {}.', 30 to 300 rows drawn from emotion validation, 5 draws each, scored on emotion test;
not a committed benchmark) 10 kept macro-F1 at or above the uncalibrated 0.384 from 30 rows on, where 0.3 to 3
lost up to 0.04 of it to over-fitted offsets; accuracy rose from 0.436 to about 0.48-0.50 either way."""
TEMPERATURES = (1e-3, 1.0)
"""Range a fitted temperature stays in."""


@dataclass
class Calibration:
    """How one label set's cosines become scores."""

    temperature: float = DEFAULT_TEMPERATURE
    """τ: scores are softmax or sigmoid of (cosine - threshold) / τ."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Per label name, the cosine subtracted before scoring (absent: ``DEFAULT_THRESHOLD``)."""
    rows: int = 0
    """Labelled rows it was fitted on (0: the defaults)."""
    metric: str | None = None
    """What ``before`` and ``after`` measure on those rows: 'accuracy' (single-label) or 'f1_micro' (multi-label)."""
    before: float | None = None
    """That metric on the fitting rows with the calibration this one replaced."""
    after: float | None = None
    """That metric on the fitting rows with this calibration (in-sample: an upper bound on held-out rows)."""
    source: str | None = None
    """Where the rows came from (a file), when known."""

    def offsets(self, names) -> np.ndarray:
        return np.array([self.thresholds.get(n, DEFAULT_THRESHOLD) for n in names], dtype=np.float32)

    def logits(self, cosines: np.ndarray, names) -> np.ndarray:
        """(cos - t) / τ, the values whose softmax (single-label) or sigmoid (multi-label) is the score."""
        return ((cosines - self.offsets(names)) / self.temperature).astype(np.float32)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["thresholds"] = {k: round(float(v), 6) for k, v in self.thresholds.items()}
        out["temperature"] = round(float(self.temperature), 6)
        return out


def scores(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Scores from one text's logits: softmax over labels, or per label a sigmoid (multi-label, or a single label,
    whose softmax would always be 1.0)."""
    if multi_label or logits.shape[-1] == 1:
        return sigmoid(logits)
    z = np.exp(logits - logits.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def _accuracy(cal: Calibration, cosines: np.ndarray, gold: np.ndarray, names) -> float:
    return float((cal.logits(cosines, names).argmax(1) == gold).mean())


def _f1_micro(cal: Calibration, cosines: np.ndarray, gold: np.ndarray, names) -> float:
    chosen = cosines >= cal.offsets(names)
    tp = float((chosen & gold).sum())
    return 2 * tp / max(2 * tp + float((chosen & ~gold).sum()) + float((~chosen & gold).sum()), 1.0)


def _fit_single(cosines: np.ndarray, gold: np.ndarray, start: np.ndarray, temperature: float) -> tuple:
    from scipy.optimize import minimize

    n, k = cosines.shape
    onehot = np.eye(k)[gold]
    c = cosines.astype(np.float64)

    def loss(x):
        tau, t = np.exp(x[0]), x[1:]
        z = (c - t) / tau
        shifted = z - z.max(1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        spread = t - t.mean()
        grad_z = (np.exp(logp) - onehot) / n  # d(mean NLL)/dz
        grad_t = -grad_z.sum(0) / tau + 2 * SPREAD_PENALTY * spread
        grad_log_tau = -(grad_z * z).sum()  # dz/dlog(τ) = -z
        value = -(logp * onehot).sum() / n + SPREAD_PENALTY * (spread ** 2).sum()
        return value, np.concatenate([[grad_log_tau], grad_t])

    bounds = [tuple(np.log(TEMPERATURES))] + [(None, None)] * k
    found = minimize(loss, np.concatenate([[np.log(temperature)], start]), jac=True, method="L-BFGS-B",
                     bounds=bounds)
    t = found.x[1:] + (start.mean() - found.x[1:].mean())  # the mean threshold stays (multi-label reads it)
    return float(np.exp(found.x[0])), t


def _best_cut(values: np.ndarray, positive: np.ndarray, default: float) -> float:
    """The threshold with the best F1 for one label (the middle of the best run of cuts); ``default`` when the rows
    hold no positive or no negative example of it."""
    if positive.all() or not positive.any():
        return default
    order = np.argsort(-values, kind="stable")
    v, y = values[order], positive[order]
    tp, fp = np.cumsum(y), np.cumsum(~y)  # choosing the first i+1 rows (by cosine)
    f1 = 2 * tp / (2 * tp + fp + (y.sum() - tp))
    usable = np.r_[v[:-1] > v[1:], True]  # a cut must fall between two different cosines
    f1 = np.where(usable, f1, -1.0)
    best = np.flatnonzero(f1 == f1.max())
    i = int(best[len(best) // 2])
    below = v[i + 1] if i + 1 < len(v) else v[i] - 0.05
    return float((v[i] + below) / 2)


def fit(cosines: np.ndarray, gold: np.ndarray, names: list[str], multi_label: bool, start: Calibration,
        source: str | None = None) -> Calibration:
    """A calibration fitted on labelled rows: ``cosines`` [rows, labels]; ``gold`` the label index per row
    (single-label) or a [rows, labels] bool matrix (multi-label)."""
    names = list(names)
    begin = start.offsets(names).astype(np.float64)
    if multi_label:
        cuts = [_best_cut(cosines[:, j], gold[:, j], float(begin[j])) for j in range(len(names))]
        fitted = Calibration(start.temperature, dict(zip(names, cuts)))
        metric = _f1_micro
    else:
        temperature, cuts = _fit_single(cosines, gold, begin, start.temperature)
        fitted = Calibration(temperature, {n: float(v) for n, v in zip(names, cuts)})
        metric = _accuracy
    fitted.rows, fitted.metric, fitted.source = len(cosines), metric.__name__.strip("_"), source
    fitted.before, fitted.after = metric(start, cosines, gold, names), metric(fitted, cosines, gold, names)
    return fitted
