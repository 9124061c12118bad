"""Calibration of answers' confidence (metrics.calibration): ECE with 10 equal-width bins as Guo et al. define it,
the reliability bins, the accuracy above each confidence level, and one-line errors for bad input."""
from __future__ import annotations

import pytest

from distilkit.metrics.calibration import (calibration, confidence_levels, expected_calibration_error,
                                           reliability_bins)
from tests.conftest import one_line_error


def test_ece_by_hand():
    # bin [0.9, 1.0]: confidences 0.95, 1.0 (mean 0.975), one right -> |0.5 - 0.975| = 0.475, weight 2/4
    # bin [0.2, 0.3): 0.25, 0.25 (mean 0.25), both wrong -> |0 - 0.25| = 0.25, weight 2/4
    confidences, correct = [0.95, 1.0, 0.25, 0.25], [1, 0, 0, 0]
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.5 * 0.475 + 0.5 * 0.25)
    bins = reliability_bins(confidences, correct)
    assert len(bins) == 10 and bins[9]["count"] == 2 and bins[2]["count"] == 2 and bins[0]["accuracy"] is None
    assert (bins[2]["low"], bins[2]["high"]) == (0.2, 0.3)


def test_perfect_calibration_and_bin_edges():
    # 0.8 confidence, right 4 times in 5: calibrated; 0.1 lands in bin 1, 1.0 in the last bin
    assert expected_calibration_error([0.8] * 5, [1, 1, 1, 1, 0]) == pytest.approx(0.0)
    bins = reliability_bins([0.1, 1.0, 0.0999], [1, 1, 0])
    assert (bins[1]["count"], bins[9]["count"], bins[0]["count"]) == (1, 1, 1)


def test_confidence_levels_keep_the_answers_at_or_above_each_level():
    levels = confidence_levels([0.2, 0.6, 0.9, 0.95], [0, 0, 1, 1], levels=(0.0, 0.6, 0.95, 0.99))
    assert levels == [{"threshold": 0.0, "answered": 1.0, "accuracy": 0.5},
                      {"threshold": 0.6, "answered": 0.75, "accuracy": 2 / 3},
                      {"threshold": 0.95, "answered": 0.25, "accuracy": 1.0},
                      {"threshold": 0.99, "answered": 0.0, "accuracy": None}]
    out = calibration([0.5, 0.5], [1, 0])
    assert set(out) == {"ece", "bins", "levels", "answers"} and out["answers"] == 2 and out["ece"] == 0


@pytest.mark.parametrize("confidences, correct, message", [
    ([0.5], [1, 0], "1 confidences for 2 outcomes"), ([], [], "no answers"),
    ([1.5], [1], "confidence 1 is 1.5"), ([float("nan")], [1], "confidence 1 is nan")])
def test_bad_input_is_one_line(confidences, correct, message):
    assert message in one_line_error(expected_calibration_error, confidences, correct)
