"""Every optimizer option on its own, PyTorch's defaults, and the edges of the argument checks.

test_optim follows PyTorch's recorded paths for a few combinations of options; here each
option is switched on alone and followed for three steps against the update rule of
PyTorch's documentation, written out per number (``_reference``), so a mistake in one
branch cannot hide behind another.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradrnn import Tensor
from microgradrnn.nn import Parameter
from microgradrnn.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    clip_grad_norm_,
    clip_grad_value_,
)

P0 = [1.0, -2.0, 0.5]
GRADS = [[0.3, -1.0, 2.0], [0.1, 0.4, -3.0], [-0.2, 0.2, 0.5]]


def _reference(kind: str, o: dict, p: float, grads: list[float]) -> list[float]:
    """One number's path under PyTorch's documented update rule for ``kind``."""
    path, state = [], {}
    for t, g in enumerate(grads, start=1):
        if kind == "AdamW" and o["weight_decay"]:
            p = p * (1 - o["lr"] * o["weight_decay"])
        elif o.get("weight_decay"):
            g = g + o["weight_decay"] * p
        if kind == "SGD":
            if o["momentum"]:
                b = g if t == 1 else o["momentum"] * state["b"] + (1 - o["dampening"]) * g
                state["b"] = b
                g = g + o["momentum"] * b if o["nesterov"] else b
            p = p - o["lr"] * g
        elif kind == "Adagrad":
            clr = o["lr"] / (1 + (t - 1) * o["lr_decay"])
            state["s"] = state.get("s", o["initial_accumulator_value"]) + g * g
            p = p - clr * g / (math.sqrt(state["s"]) + o["eps"])
        elif kind == "RMSprop":
            a = o["alpha"]
            state["v"] = a * state.get("v", 0.0) + (1 - a) * g * g
            v = state["v"]
            if o["centered"]:
                state["m"] = a * state.get("m", 0.0) + (1 - a) * g
                v = v - state["m"] ** 2
            d = math.sqrt(v) + o["eps"]
            if o["momentum"] > 0:
                state["b"] = o["momentum"] * state.get("b", 0.0) + g / d
                p = p - o["lr"] * state["b"]
            else:
                p = p - o["lr"] * g / d
        else:  # Adam, AdamW
            b1, b2 = o["betas"]
            state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
            state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
            v = state["v"]
            if o["amsgrad"]:
                state["vmax"] = max(state.get("vmax", 0.0), v)
                v = state["vmax"]
            p = p - o["lr"] / (1 - b1**t) * state["m"] / (math.sqrt(v) / math.sqrt(1 - b2**t) + o["eps"])
        path.append(p)
    return path


DEFAULTS = {
    SGD: {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
    Adagrad: {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    RMSprop: {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    },
    Adam: {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
    AdamW: {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
}

ONE_OPTION_EACH = [
    (SGD, {}),
    (SGD, {"lr": 0.1, "weight_decay": 0.2}),
    (SGD, {"lr": 0.1, "momentum": 0.5}),
    (SGD, {"lr": 0.1, "momentum": 0.5, "dampening": 0.25}),
    (SGD, {"lr": 0.1, "momentum": 0.5, "nesterov": True}),
    (Adagrad, {}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.5}),
    (Adagrad, {"lr": 0.1, "weight_decay": 0.2}),
    (Adagrad, {"lr": 0.1, "initial_accumulator_value": 2.0}),
    (Adagrad, {"lr": 0.1, "eps": 0.5}),
    (RMSprop, {}),
    (RMSprop, {"alpha": 0.5}),
    (RMSprop, {"eps": 0.5}),
    (RMSprop, {"weight_decay": 0.2}),
    (RMSprop, {"momentum": 0.5}),
    (RMSprop, {"centered": True}),
    (Adam, {}),
    (Adam, {"lr": 0.1, "betas": (0.5, 0.75)}),
    (Adam, {"lr": 0.1, "eps": 0.5}),
    (Adam, {"lr": 0.1, "weight_decay": 0.2}),
    (Adam, {"lr": 0.1, "amsgrad": True}),
    (AdamW, {}),
    (AdamW, {"lr": 0.1, "weight_decay": 0.5}),
    (AdamW, {"lr": 0.1, "weight_decay": 0.0}),
    (AdamW, {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}),
]


@pytest.mark.parametrize(
    "cls, options",
    ONE_OPTION_EACH,
    ids=[f"{c.__name__}-{'-'.join(o) or 'defaults'}" for c, o in ONE_OPTION_EACH],
)
def test_each_option_alone_follows_the_documented_rule(cls, options):
    p = Parameter(P0)
    opt = cls([p], **options)
    o = {**DEFAULTS[cls], **options}
    assert opt.defaults == o
    expected = np.array([_reference(cls.__name__, o, p0, [g[i] for g in GRADS]) for i, p0 in enumerate(P0)]).T
    for k, g in enumerate(GRADS):
        p.grad = np.array(g)
        opt.step()
        np.testing.assert_allclose(p.data, expected[k], rtol=1e-12, atol=1e-15, err_msg=f"step {k + 1}")


def test_state_is_kept_per_parameter():
    a, b = Parameter([1.0]), Parameter([1.0])
    opt = Adam([a, b], lr=0.1)
    a.grad = np.array([1.0])
    opt.step()  # b has no gradient yet: untouched, its state unstarted
    assert b.data[0] == 1.0 and opt.state[id(b)] == {} and opt.state[id(a)]["step"] == 1
    b.grad = np.array([1.0])
    opt.step()
    assert opt.state[id(a)]["step"] == 2 and opt.state[id(b)]["step"] == 1
    assert b.data[0] == pytest.approx(0.9)  # b's first step is a first step: lr in the sign of g


def test_hyper_parameters_read_and_write_as_attributes():
    p = Parameter([1.0])
    opt = SGD([p], lr=0.5)
    assert opt.lr == 0.5 and opt.momentum == 0.0
    opt.lr = 0.25
    p.grad = np.array([1.0])
    opt.step()
    assert p.data[0] == 0.75
    with pytest.raises(AttributeError, match="SGD has no attribute 'learning_rate'"):
        opt.learning_rate  # noqa: B018
    opt.extra = 3  # not a hyper-parameter: an ordinary attribute
    assert opt.extra == 3 and "extra" not in opt.defaults


def test_argument_checks_at_their_boundaries():
    p = Parameter([1.0])
    SGD([p], lr=0.0)  # a learning rate of 0 is allowed
    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        with pytest.raises(ValueError, match=f"{cls.__name__}: invalid learning rate -1e-08"):
            cls([p], lr=-1e-8)
        with pytest.raises(ValueError, match=f"{cls.__name__} got an empty parameter list"):
            cls([])
    options = {
        SGD: ("momentum", "weight_decay"),
        Adagrad: ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
        RMSprop: ("alpha", "eps", "weight_decay", "momentum"),
        Adam: ("eps", "weight_decay"),
        AdamW: ("eps", "weight_decay"),
    }
    for cls, names in options.items():
        for name in names:
            cls([p], **{name: 0.0})  # 0 is allowed
            with pytest.raises(ValueError, match=f"{cls.__name__}: invalid {name} -1e-08: it must be >= 0"):
                cls([p], **{name: -1e-8})
    with pytest.raises(TypeError, match="parameter 1 is not a Tensor with requires_grad"):
        Adam([p, np.ones(2)])
    with pytest.raises(TypeError, match="parameter 0"):
        Adam([Tensor([1.0])])
    assert SGD(p, lr=0.1).params == [p]  # one tensor alone
    SGD([p], lr=0.1, momentum=1e-3, nesterov=True)
    for momentum, dampening in [(0.0, 0.0), (-0.5, 0.0), (0.9, 0.1), (0.9, -0.1)]:
        with pytest.raises(ValueError, match="Nesterov"):
            SGD([p], lr=0.1, momentum=momentum, dampening=dampening, nesterov=True)
    for cls in (Adam, AdamW):
        cls([p], betas=(0.0, 0.0))
        cls([p], betas=(0.999999, 0.999999))
        for betas in [(1.0, 0.9), (0.9, 1.0), (1.5, 0.9), (0.9, 1.5), (-0.1, 0.9), (0.9, -0.1)]:
            with pytest.raises(ValueError, match=r"betas must lie in \[0, 1\)"):
                cls([p], betas=betas)


def test_base_optimizer_needs_an_update_rule_and_zero_grad_clears_every_parameter():
    a, b = Parameter([1.0]), Parameter([2.0])
    opt = Optimizer([a, b], {"lr": 0.1})
    a.grad = np.array([1.0])
    with pytest.raises(NotImplementedError):
        opt.step()
    b.grad = np.array([3.0])
    opt.zero_grad()
    assert a._grad is None and b._grad is None
    opt.step()  # nothing has a gradient: nothing to do
    assert Optimizer([a], {"rho": 0.5}).defaults == {"rho": 0.5}  # a rule without a learning rate


# -- clipping -----------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf])
def test_clip_grad_norm_for_every_norm_type(norm_type):
    g1, g2 = np.array([3.0, -4.0]), np.array([[12.0]])
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros((1, 1)))
    a.grad, b.grad = g1.copy(), g2.copy()
    flat = np.r_[g1, g2.ravel()]
    total = (
        np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type)
    )
    assert clip_grad_norm_([a, b], max_norm=2.0, norm_type=norm_type) == pytest.approx(total, rel=1e-12)
    scale = 2.0 / (total + 1e-6)
    np.testing.assert_allclose(a.grad, g1 * scale, rtol=1e-12)
    np.testing.assert_allclose(b.grad, g2 * scale, rtol=1e-12)


def test_clip_grad_norm_at_the_limit_skips_parameters_without_gradient_and_checks_finiteness():
    a = Parameter(np.zeros(2))
    a.grad = np.array([3.0, 4.0])
    # max_norm equal to the norm: coef = 5 / (5 + 1e-6) < 1, a hair of scaling as in PyTorch
    assert clip_grad_norm_(a, max_norm=5.0) == 5.0
    np.testing.assert_allclose(a.grad, np.array([3.0, 4.0]) * 5 / (5 + 1e-6), rtol=1e-15)
    a.grad = np.array([3.0, 4.0])
    clip_grad_norm_(a, max_norm=5.0 + 1e-6)  # coef exactly 1: untouched
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    clip_grad_norm_(a, max_norm=7.5)  # under the limit by a factor 1.5: never scaled up
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    untouched = Parameter(np.zeros(3))
    assert clip_grad_norm_([untouched], max_norm=1.0) == 0.0 and untouched._grad is None
    assert clip_grad_norm_([untouched, a], max_norm=100.0) == 5.0
    a.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of the gradients is inf"):
        clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    with np.errstate(invalid="ignore"):  # inf * 0: the gradient becomes nan, as in PyTorch
        assert clip_grad_norm_(a, 1.0) == math.inf
    a.grad = np.array([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="nan"):
        clip_grad_norm_(a, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_in_place_and_skips_missing_gradients():
    a, b = Parameter(np.zeros(3)), Parameter(np.zeros(1))
    a.grad = np.array([-2.0, 0.5, 2.0])
    held = a.grad
    clip_grad_value_([a, b], 0.5)
    np.testing.assert_array_equal(held, [-0.5, 0.5, 0.5])
    assert b._grad is None
    clip_grad_value_(a, 0.25)
    np.testing.assert_array_equal(a.grad, [-0.25, 0.25, 0.25])
