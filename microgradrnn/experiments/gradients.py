"""Vanishing and exploding gradients, measured.

:func:`gradient_norms` runs cells over one long random sequence, back-propagates a loss
taken at the last step only, and records ``||dL/dh_t||`` at every step t: the tanh RNN's
gradient shrinks by a roughly constant factor per step (exponential decay), the LSTM's,
whose cell state is carried through the forget gate (bias 1), far less.

:func:`exploding_gradients` trains a tanh RNN whose recurrent weight starts large (in the
chaotic regime, where the Jacobians' product grows with distance) twice with plain SGD:
once as is, once with ``clip_grad_norm_``, and records loss and gradient norm per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from microgradrnn.data import sine_waves
from microgradrnn.experiments.models import SequenceRegressor
from microgradrnn.functional import mse_loss
from microgradrnn.nn import KINDS
from microgradrnn.nn.kinds import kind_options
from microgradrnn.optim import SGD, clip_grad_norm_
from microgradrnn.plot import line_chart
from microgradrnn.tensor import Tensor
from microgradrnn.training import Callback, as_float

__all__ = ["ExplodingResult", "GradientNormResult", "exploding_gradients", "gradient_norms"]


@dataclass
class GradientNormResult:
    """``norms[cell]`` is an array (T,): ``||dL/dh_t||`` for t = 0..T-1, L taken at t = T-1."""

    norms: dict[str, np.ndarray]
    T: int
    hidden_size: int
    forget_bias: float

    def decay_ratio(self, cell: str) -> float:
        """``||dL/dh_0|| / ||dL/dh_{T-1}||``: the share of the gradient left T-1 steps back."""
        n = self.norms[cell]
        return float(n[0] / n[-1])

    def decay_per_step(self, cell: str) -> float:
        """The geometric mean factor the gradient is multiplied by per step back (1 = no decay)."""
        return float(self.decay_ratio(cell) ** (1.0 / (self.T - 1)))

    def chart(self) -> str:
        """SVG: gradient norm against time step, log scale."""
        def name(kind: str) -> str:
            if kind not in KINDS:
                return kind
            with_bias = "forget_bias" in KINDS[kind].cell.init_options
            return KINDS[kind].title + (f" (forget bias {self.forget_bias:g})" if with_bias else "")

        return line_chart(
            {name(k): v for k, v in self.norms.items()},
            title=f"Gradient of a loss at step {self.T - 1} with respect to each hidden state",
            xlabel="time step t",
            ylabel="||dL/dh_t||",
            log_y=True,
        )


def gradient_norms(
    T: int = 100,
    hidden_size: int = 32,
    input_size: int = 4,
    batch_size: int = 8,
    cells: tuple[str, ...] = ("rnn", "lstm", "gru"),
    forget_bias: float = 1.0,
    seed: int = 0,
) -> GradientNormResult:
    """Per-step gradient norms of freshly initialised cells (PyTorch's initialisation).

    Every cell reads the same inputs x_t ~ N(0, 1) of shape (batch_size, input_size) from a
    zero state; the loss is ``h_{T-1}.sum()`` (so dL/dh_{T-1} is all ones) and ``norms[cell][t]``
    is the Frobenius norm of dL/dh_t over the batch.
    """
    if T < 2:
        raise ValueError(f"T must be at least 2, got {T}")
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal((T, batch_size, input_size))
    norms = {}
    for name in cells:
        if name not in KINDS:
            raise ValueError(f"unknown cell {name!r}; choose from {sorted(KINDS)}")
        options = kind_options(name, forget_bias=forget_bias)
        cell = KINDS[name].cell(input_size, hidden_size, seed=rng, **options)
        state = None
        hs = []
        for t in range(T):
            state = cell(Tensor(xs[t]), state)
            hs.append(state[0] if isinstance(state, tuple) else state)
        hs[-1].sum().backward()
        norms[name] = np.array([np.linalg.norm(h.grad) for h in hs])
    return GradientNormResult(norms, T, hidden_size, forget_bias)


@dataclass
class ExplodingResult:
    """Loss and gradient norm (before clipping) at every SGD step, per run ("no clipping", "clipped")."""

    losses: dict[str, np.ndarray]
    grad_norms: dict[str, np.ndarray]
    max_norm: float
    recurrent_scale: float
    baseline_mse: float = field(default=float("nan"))

    def chart(self) -> str:
        """SVG: loss per step of both runs, log scale."""
        return line_chart(
            self.losses,
            title=f"tanh RNN with a large recurrent weight (x{self.recurrent_scale:g}): loss",
            xlabel="SGD step",
            ylabel="training loss (MSE)",
            log_y=True,
        )

    def norm_chart(self) -> str:
        """SVG: gradient norm per step of both runs (before clipping), log scale."""
        return line_chart(
            self.grad_norms,
            title=f"Gradient norm before clipping (clip threshold {self.max_norm:g})",
            xlabel="SGD step",
            ylabel="||gradient||",
            log_y=True,
        )


def exploding_gradients(
    steps: int = 200,
    T: int = 30,
    hidden_size: int = 32,
    recurrent_scale: float = 1.5,
    lr: float = 0.1,
    max_norm: float = 1.0,
    batch_size: int = 16,
    seed: int = 0,
    diverged_at: float = 1e10,
    callback: Callback | None = None,
) -> ExplodingResult:
    """Train the same tanh RNN twice on next-value prediction of sine waves, without and with clipping.

    The recurrent weight starts as ``recurrent_scale`` times a random orthogonal matrix
    (above 1 the network is chaotic and gradients grow with the distance they travel).
    Each step takes ``batch_size`` waves of length ``T + 1``, reads the first T values and
    predicts the last (MSE). Both runs start from identical weights and see identical batches.
    A run whose loss passes ``diverged_at`` (or stops being finite) has diverged and ends
    there, so its arrays can be shorter than ``steps``.
    """
    rng = np.random.default_rng(seed)
    init_seed = int(rng.integers(2**31))
    q, _ = np.linalg.qr(rng.standard_normal((hidden_size, hidden_size)))
    data_seed = int(rng.integers(2**31))
    waves = sine_waves(steps * batch_size, T + 1, seed=data_seed)
    baseline = float(np.mean(waves[:, -1] ** 2))
    losses, grad_norms = {}, {}
    for run, clip in (("no clipping", False), (f"clip_grad_norm_({max_norm:g})", True)):
        model = SequenceRegressor("rnn", 1, hidden_size, seed=init_seed)
        model.rnn.weight_hh_l0.data[...] = recurrent_scale * q
        opt = SGD(model.parameters(), lr=lr)
        run_losses, run_norms = [], []
        for step in range(steps):
            batch = waves[step * batch_size : (step + 1) * batch_size]
            # Overflow is the point of the unclipped run, not a bug to warn about.
            with np.errstate(over="ignore", invalid="ignore"):
                pred, _ = model(Tensor(batch[:, :T, None]))
                loss = mse_loss(pred.reshape(-1), Tensor(batch[:, T]))
                if not as_float(loss) < diverged_at:  # also true for nan
                    break
                opt.zero_grad()
                loss.backward()
                params = model.parameters()
                if clip:
                    norm = as_float(clip_grad_norm_(params, max_norm))
                else:
                    norm = float(np.sqrt(sum(float(np.sum(p.grad**2)) for p in params)))
                opt.step()
            run_losses.append(as_float(loss))
            run_norms.append(norm)
            if callback is not None:
                callback(step, run_losses[-1])
        losses[run], grad_norms[run] = np.array(run_losses), np.array(run_norms)
    return ExplodingResult(losses, grad_norms, max_norm, recurrent_scale, baseline)
