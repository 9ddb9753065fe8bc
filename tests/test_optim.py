"""Optimizers follow PyTorch's update formulas; gradient clipping scales and reports like PyTorch's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from nn_helpers import load_fixture

from microgradrnn import Tensor
from microgradrnn.nn import Parameter
from microgradrnn.optim import SGD, Adagrad, Adam, AdamW, RMSprop, clip_grad_norm_, clip_grad_value_

SETTINGS = {
    "sgd": (SGD, {"lr": 0.1}),
    "sgd_momentum": (SGD, {"lr": 0.1, "momentum": 0.9}),
    "sgd_nesterov_wd": (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    "sgd_dampening": (SGD, {"lr": 0.05, "momentum": 0.5, "dampening": 0.3}),
    "adagrad": (Adagrad, {"lr": 0.1}),
    "adagrad_decay": (
        Adagrad,
        {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5},
    ),
    "rmsprop": (RMSprop, {"lr": 0.01}),
    "rmsprop_centered_momentum": (
        RMSprop,
        {"lr": 0.01, "momentum": 0.8, "centered": True, "weight_decay": 0.05},
    ),
    "adam": (Adam, {"lr": 0.01}),
    "adam_amsgrad_wd": (Adam, {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True}),
    "adamw": (AdamW, {"lr": 0.01, "weight_decay": 0.1}),
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_five_steps_match_torch_fixture(name):
    fx = load_fixture("optim")
    cls, kwargs = SETTINGS[name]
    p = Parameter(fx["p0"])
    opt = cls([p], **kwargs)
    for k, g in enumerate(fx["grads"]):
        p.grad = g.copy()
        opt.step()
        np.testing.assert_allclose(p.data, fx["path." + name][k], rtol=0, atol=1e-12, err_msg=f"step {k + 1}")


def test_sgd_momentum_by_hand():
    p = Parameter([1.0, -2.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.array([0.5, 1.0])
    opt.step()  # b = g; p -= 0.1 * b
    np.testing.assert_allclose(p.data, [0.95, -2.1])
    p.grad = np.array([0.5, 1.0])
    opt.step()  # b = 0.9 * b + g = 1.9 g
    np.testing.assert_allclose(p.data, [0.95 - 0.095, -2.1 - 0.19])


def test_adam_first_step_by_hand():
    # After bias correction the first step is lr * g / (|g| + eps): lr in the sign of g.
    p0, g = np.array([1.0, -2.0, 3.0]), np.array([0.3, -4.0, 1e-3])
    p = Parameter(p0)
    opt = Adam([p], lr=0.01)
    p.grad = g.copy()
    opt.step()
    p1 = p0 - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.data, p1, rtol=1e-12)
    # the same gradient again: m_hat = g and v_hat = g^2 again, so the same step again
    p.grad = g.copy()
    opt.step()
    np.testing.assert_allclose(p.data, p1 + (p1 - p0), rtol=1e-9)


def test_parameters_without_gradient_are_skipped_and_zero_grad_resets():
    a, b = Parameter([1.0]), Parameter([2.0])
    opt = SGD([a, b], lr=1.0)
    (a * 3.0).sum().backward()
    opt.step()
    assert a.data[0] == -2.0 and b.data[0] == 2.0
    opt.zero_grad()
    assert a.grad[0] == 0.0
    opt.lr = 0.5
    assert opt.defaults["lr"] == 0.5 and opt.lr == 0.5
    with pytest.raises(TypeError, match="requires_grad"):
        SGD([Tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([a], lr=0.1, nesterov=True)


def test_clip_grad_norm_scales_to_max_norm_and_returns_original_norm():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad = np.array([3.0, 0.0])
    b.grad = np.array([4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(np.r_[a.grad, b.grad], np.array([3.0, 0.0, 4.0]) / 5.0, rtol=1e-5)
    joint = math.sqrt(float((a.grad**2).sum() + (b.grad**2).sum()))
    assert joint == pytest.approx(1.0, rel=1e-5)
    # under the limit: untouched
    total = clip_grad_norm_([a, b], max_norm=10.0)
    assert total == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-5)
    a.grad = np.array([-7.0, 2.0])
    assert clip_grad_norm_(a, max_norm=3.5, norm_type=math.inf) == 7.0
    np.testing.assert_allclose(a.grad, [-3.5, 1.0], rtol=1e-6)


def test_clip_grad_value_clamps_each_number():
    p = Parameter(np.zeros(4))
    p.grad = np.array([-5.0, -0.5, 0.2, 9.0])
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, -0.5, 0.2, 1.0])


@pytest.mark.torch
def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(7)]
    ours = [Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    total = clip_grad_norm_(ours, 2.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 2.0)
    assert total == pytest.approx(float(total_t), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)
