"""The loss registry and the built-in losses: values, weights and gradients."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.utils.class_weight import compute_class_weight

from distilkit.config import LossConfig
from distilkit.errors import DistilkitError
from distilkit.losses import LOSSES, build_loss, effective_number_weights
from distilkit.losses.focal import FocalLoss

COUNTS = [50, 10, 3]


def batch(seed=0, n=16, k=3):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=g) * 2, torch.randint(0, k, (n,), generator=g)


@pytest.mark.parametrize("name", ["cross_entropy", "weighted_cross_entropy", "focal", "class_balanced"])
def test_registry_builds_each_loss_by_name(name):
    assert name in LOSSES
    loss_fn = build_loss(LossConfig(name=name), COUNTS)
    assert isinstance(loss_fn, torch.nn.Module)
    logits, labels = batch()
    value = loss_fn(logits, labels)
    assert value.ndim == 0 and torch.isfinite(value) and value > 0


def test_unknown_loss_lists_choices():
    with pytest.raises(DistilkitError) as info:
        build_loss(LossConfig(name="hinge"), COUNTS)
    message = str(info.value)
    assert "hinge" in message
    for name in ("cross_entropy", "weighted_cross_entropy", "focal", "class_balanced"):
        assert name in message


def test_cross_entropy_matches_torch():
    logits, labels = batch()
    loss = build_loss(LossConfig(name="cross_entropy"), COUNTS)(logits, labels)
    assert torch.allclose(loss, F.cross_entropy(logits, labels))


def test_focal_gamma_zero_without_alpha_equals_cross_entropy():
    logits, labels = batch(1)
    loss = build_loss(LossConfig(name="focal", gamma=0.0), COUNTS)(logits, labels)
    assert torch.allclose(loss, F.cross_entropy(logits, labels), atol=1e-6)


def test_focal_down_weights_easy_examples():
    focal = FocalLoss(gamma=2.0)
    easy = torch.tensor([[6.0, 0.0, 0.0]])  # confidently correct for label 0
    hard = torch.tensor([[0.0, 6.0, 0.0]])  # confidently wrong for label 0
    label = torch.tensor([0])
    easy_ratio = (focal(easy, label) / F.cross_entropy(easy, label)).item()
    hard_ratio = (focal(hard, label) / F.cross_entropy(hard, label)).item()
    p_easy = torch.softmax(easy, -1)[0, 0].item()
    assert easy_ratio == pytest.approx((1 - p_easy) ** 2, rel=1e-4)  # the (1 - p_t)^gamma factor
    assert easy_ratio < 1e-4 and hard_ratio > 0.99
    assert focal(easy, label) < F.cross_entropy(easy, label)


def test_focal_alpha_multiplies_per_class():
    logits, labels = batch(2)
    alpha = [0.25, 1.0, 3.0]
    plain = FocalLoss(gamma=2.0).per_example(logits, labels)
    weighted = build_loss(LossConfig(name="focal", alpha=alpha), COUNTS)
    expected = plain * torch.tensor(alpha)[labels]
    assert torch.allclose(weighted.per_example(logits, labels), expected, atol=1e-6)
    assert torch.allclose(weighted(logits, labels), expected.mean(), atol=1e-6)


@pytest.mark.parametrize("cfg", [LossConfig(name="focal", alpha=[1.0, 2.0]),
                                 LossConfig(name="weighted_cross_entropy", class_weights=[1.0, 2.0, 3.0, 4.0])])
def test_per_class_list_of_wrong_length_is_rejected(cfg):
    with pytest.raises(DistilkitError) as info:
        build_loss(cfg, COUNTS)
    assert "3 classes" in str(info.value) and "one per class" in str(info.value)


def test_weighted_ce_auto_weights_match_sklearn_balanced():
    counts = [40, 7, 13]
    y = np.repeat(np.arange(3), counts)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    for class_weights in ("auto", None):
        loss_fn = build_loss(LossConfig(name="weighted_cross_entropy", class_weights=class_weights), counts)
        assert np.allclose(loss_fn.weight.numpy(), expected, rtol=1e-6)
    logits, labels = batch(3)
    assert torch.allclose(loss_fn(logits, labels),
                          F.cross_entropy(logits, labels, weight=torch.tensor(expected, dtype=torch.float)))


def test_weighted_ce_auto_gives_absent_class_zero_weight():
    counts = [30, 0, 10]
    weight = build_loss(LossConfig(name="weighted_cross_entropy", class_weights="auto"), counts).weight.numpy()
    assert weight[1] == 0
    assert np.all(np.isfinite(weight)) and weight[0] > 0 and weight[2] > 0
    assert weight[2] / weight[0] == pytest.approx(3.0)  # inverse frequency among present classes


def test_weighted_ce_explicit_weights_used():
    weights = [1.0, 5.0, 0.5]
    loss_fn = build_loss(LossConfig(name="weighted_cross_entropy", class_weights=weights), COUNTS)
    logits, labels = batch(4)
    assert torch.allclose(loss_fn(logits, labels), F.cross_entropy(logits, labels, weight=torch.tensor(weights)))
    assert not torch.allclose(loss_fn(logits, labels), F.cross_entropy(logits, labels))


def test_class_balanced_weights_follow_effective_number():
    counts, beta = [1000, 100, 10, 1], 0.99
    n = np.array(counts, dtype=np.float64)
    raw = (1 - beta) / (1 - beta ** n)
    expected = raw / raw.sum() * len(counts)
    weights = effective_number_weights(counts, beta).numpy()
    assert np.allclose(weights, expected, rtol=1e-5)
    assert weights.sum() == pytest.approx(len(counts), rel=1e-5)
    assert all(a < b for a, b in zip(weights, weights[1:]))  # rarer classes weigh more


def test_class_balanced_cross_entropy_uses_those_weights():
    loss_fn = build_loss(LossConfig(name="class_balanced", beta=0.9), COUNTS)
    logits, labels = batch(5)
    weight = effective_number_weights(COUNTS, 0.9)
    assert torch.allclose(loss_fn(logits, labels), F.cross_entropy(logits, labels, weight=weight), atol=1e-6)


def test_class_balanced_focal_variant_is_weighted_mean_of_focal():
    loss_fn = build_loss(LossConfig(name="class_balanced", base="focal", beta=0.9, gamma=2.0), COUNTS)
    logits, labels = batch(6)
    w = effective_number_weights(COUNTS, 0.9)[labels]
    per_example = FocalLoss(gamma=2.0).per_example(logits, labels)
    assert torch.allclose(loss_fn(logits, labels), (per_example * w).sum() / w.sum(), atol=1e-6)
    # with gamma 0 it reduces to class-balanced cross entropy
    ce_like = build_loss(LossConfig(name="class_balanced", base="focal", beta=0.9, gamma=0.0), COUNTS)
    expected = F.cross_entropy(logits, labels, weight=effective_number_weights(COUNTS, 0.9))
    assert torch.allclose(ce_like(logits, labels), expected, atol=1e-6)


@pytest.mark.parametrize("name", ["cross_entropy", "focal"])
def test_label_smoothing_matches_torch(name):
    logits, labels = batch(7)
    smoothed = build_loss(LossConfig(name=name, label_smoothing=0.1, gamma=0.0), COUNTS)(logits, labels)
    plain = build_loss(LossConfig(name=name, gamma=0.0), COUNTS)(logits, labels)
    assert not torch.allclose(smoothed, plain)
    assert torch.allclose(smoothed, F.cross_entropy(logits, labels, label_smoothing=0.1), atol=1e-6)


@pytest.mark.parametrize("cfg", [LossConfig(name="cross_entropy", label_smoothing=0.2),
                                 LossConfig(name="weighted_cross_entropy", class_weights="auto"),
                                 LossConfig(name="focal", gamma=2.0, alpha=[1.0, 2.0, 0.5]),
                                 LossConfig(name="class_balanced", base="focal")])
def test_gradients_flow(cfg):
    logits, labels = batch(8)
    logits.requires_grad_(True)
    build_loss(cfg, COUNTS)(logits, labels).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


@pytest.mark.parametrize("kwargs, field", [({"label_smoothing": 1.5}, "loss.label_smoothing"),
                                           ({"beta": 1.0}, "loss.beta"),
                                           ({"base": "foo"}, "loss.base"),
                                           ({"class_weights": "balanced"}, "loss.class_weights"),
                                           ({"gamma": -1.0}, "loss.gamma")])
def test_loss_config_validation(kwargs, field):
    with pytest.raises(DistilkitError, match=field):
        LossConfig(**kwargs)
