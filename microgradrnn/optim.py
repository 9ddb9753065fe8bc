"""Optimizers and gradient clipping, with PyTorch's argument names and update formulas.

Every optimizer takes an iterable of parameters (tensors with ``requires_grad=True``,
e.g. ``model.parameters()``), updates their ``data`` in place in :meth:`Optimizer.step`
and skips a parameter no backward pass has reached. The usual loop::

    opt = Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        opt.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()

In the formulas below g is the gradient, p the parameter, t the step number (from 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from microgradrnn.tensor import Tensor

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "clip_grad_norm_", "clip_grad_value_"]


def _param_list(params: Iterable[Tensor] | Tensor, who: str) -> list[Tensor]:
    params = [params] if isinstance(params, Tensor) else list(params)
    for k, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"{who}: parameter {k} is not a Tensor with requires_grad=True: {p!r}")
    return params


class Optimizer:
    """Holds the parameters, their per-parameter state, and the hyper-parameters in ``defaults``."""

    def __init__(self, params: Iterable[Tensor], defaults: dict[str, Any]):
        self.params = _param_list(params, type(self).__name__)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if defaults.get("lr", 0.0) < 0.0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {defaults['lr']}")
        for name in ("momentum", "weight_decay", "eps", "alpha", "lr_decay", "initial_accumulator_value"):
            if defaults.get(name, 0.0) < 0.0:  # refused as PyTorch refuses them
                raise ValueError(f"{type(self).__name__}: invalid {name} {defaults[name]}: it must be >= 0")
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {id(p): {} for p in self.params}

    def __getattr__(self, name: str) -> Any:
        defaults = self.__dict__.get("defaults", {})
        if name in defaults:  # opt.lr reads the hyper-parameter
            return defaults[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__.get("defaults", {}):  # opt.lr = 0.01 changes it (schedules)
            self.defaults[name] = value
        else:
            super().__setattr__(name, value)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for p in self.params:
            if p._grad is not None:  # reached by no backward pass: leave it alone, as PyTorch does
                self._update(p, p._grad, self.state[id(p)])

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (PyTorch's form).

    g += weight_decay * p;  b = g at t=1, else b = momentum * b + (1 - dampening) * g;
    g = g + momentum * b (nesterov) or b;  p -= lr * g.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
            },
        )

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(g)
            else:
                buf = state["momentum_buffer"]
                buf *= self.momentum
                buf += (1.0 - self.dampening) * g
            buf = state["momentum_buffer"]
            g = g + self.momentum * buf if self.nesterov else buf
        p.data -= self.lr * g


class Adagrad(Optimizer):
    """Adagrad: each number's step shrinks with the sum of its squared gradients.

    g += weight_decay * p;  lr_t = lr / (1 + (t - 1) * lr_decay);  s += g^2;
    p -= lr_t * g / (sqrt(s) + eps).
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        super().__init__(
            params,
            {
                "lr": lr,
                "lr_decay": lr_decay,
                "weight_decay": weight_decay,
                "initial_accumulator_value": initial_accumulator_value,
                "eps": eps,
            },
        )

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, self.initial_accumulator_value)
        state["step"] += 1
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        state["sum"] += g * g
        p.data -= clr * g / (np.sqrt(state["sum"]) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: divide by a running root mean square of the gradients (PyTorch's form).

    g += weight_decay * p;  v = alpha * v + (1 - alpha) * g^2;
    centered: m = alpha * m + (1 - alpha) * g and v - m^2 replaces v;  d = sqrt(v) + eps;
    momentum: b = momentum * b + g / d, p -= lr * b;  otherwise p -= lr * g / d.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        super().__init__(
            params,
            {
                "lr": lr,
                "alpha": alpha,
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum": momentum,
                "centered": centered,
            },
        )

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if not state:
            state["square_avg"] = np.zeros_like(p.data)
            state["grad_avg"] = np.zeros_like(p.data)
            state["momentum_buffer"] = np.zeros_like(p.data)
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        a = self.alpha
        v = state["square_avg"]
        v *= a
        v += (1 - a) * g * g
        if self.centered:
            m = state["grad_avg"]
            m *= a
            m += (1 - a) * g
            denom = np.sqrt(v - m * m) + self.eps
        else:
            denom = np.sqrt(v) + self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / denom
            p.data -= self.lr * buf
        else:
            p.data -= self.lr * g / denom


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) in PyTorch's form.

    g += weight_decay * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    (amsgrad: v_max = max(v_max, v), used for v);
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must lie in [0, 1), got {betas}")
        super().__init__(
            params,
            {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad},
        )

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        b1, b2 = self.betas
        if self.weight_decay:
            if self.decoupled_weight_decay:
                p.data *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        p.data -= self.lr / (1 - b1**t) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay, then Adam."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The norm is taken over every gradient number of every parameter at once (one long
    vector), ``norm_type`` 2 by default or ``math.inf`` for the largest magnitude.
    Returns the norm *before* clipping, as PyTorch does (watch it to spot explosions).
    """
    grads = [p._grad for p in _param_list(parameters, "clip_grad_norm_") if p._grad is not None]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(float(np.abs(g).max()) for g in grads)
    else:
        total = float(sum(float((np.abs(g) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {total}")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clip every gradient number into ``[-clip_value, clip_value]``, in place."""
    for p in _param_list(parameters, "clip_grad_value_"):
        if p._grad is not None:
            np.clip(p._grad, -clip_value, clip_value, out=p._grad)
