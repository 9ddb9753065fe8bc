r"""One time step of a recurrent network: ``RNNCell``, ``LSTMCell`` and ``GRUCell``.

The parameters follow PyTorch exactly, so weights copy over from ``torch.nn`` by name:
``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih`` and ``bias_hh``
(G*H,), with the G gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
The rows of gate ``k`` are ``weight_ih[k*H:(k+1)*H]``, which the docs call ``W_ik``,
``W_if``, ... Initialisation is PyTorch's: every number from U(-1/sqrt(H), 1/sqrt(H)).

Each step function below is written one line per line of the equations. The four
(or three) gates' matrix products are done as one product with the stacked weights, as
PyTorch's docs write them, and each gate takes its slice of columns. Everything runs
inside ``scope(name)`` with one sub-scope per gate, so drawings can group the nodes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microgradrnn.graph import scope
from microgradrnn.nn.module import Module, Parameter, Seed, make_rng
from microgradrnn.tensor import Tensor

LSTMState = tuple[Tensor, Tensor]

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "gru_cell", "lstm_cell", "rnn_cell"]


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None, transposed: bool = False) -> Tensor:
    """x W^T + b without shape checks: the callers check once per call, not once per step.

    ``transposed``: ``weight`` is already W^T. A sequence layer transposes each weight
    once per sequence rather than once per step: every step's gradient then adds into
    one contiguous (in, G*H) array, where a fresh ``W.T`` per step would add a strided
    view into the (G*H, in) gradient, several times slower.
    """
    out = x @ (weight if transposed else weight.T)
    return out if bias is None else out + bias


def _gate_rows(weight: Tensor, start: int, stop: int, transposed: bool) -> Tensor:
    """Rows start:stop of W (the columns of W^T when ``transposed``)."""
    return weight[:, start:stop] if transposed else weight[start:stop]


def _masked(h: Tensor, mask: Tensor | None) -> Tensor:
    return h if mask is None else h * mask


def rnn_cell(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
    name: str = "rnn",
    h_mask: Tensor | None = None,
    transposed: bool = False,
) -> Tensor:
    r"""One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    ``x`` (B, I) or (I,), ``h`` (B, H) or (H,) -> h' of ``h``'s shape. ``h_mask``
    (recurrent dropout) multiplies ``h`` on its way into the recurrent product only.
    ``transposed``: the weights are given as W^T (see :func:`_affine`), in every cell function.
    """
    with scope(name):
        with scope("hidden state"):
            a = _affine(x, weight_ih, bias_ih, transposed) + _affine(
                _masked(h, h_mask), weight_hh, bias_hh, transposed
            )
            h = a.tanh() if nonlinearity == "tanh" else a.relu()
    h.label = "h"
    return h


def lstm_cell(
    x: Tensor,
    state: LSTMState,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    name: str = "lstm",
    h_mask: Tensor | None = None,
    transposed: bool = False,
) -> LSTMState:
    r"""One LSTM step, PyTorch's equations with gates stacked i, f, g, o::

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)         cell candidate
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
        c' = f * c + i * g                               cell state
        h' = o * tanh(c')                                hidden state

    ``x`` (B, I) or (I,); ``state`` = (h, c), each (B, H) or (H,). Returns (h', c').
    """
    h, c = state
    H = weight_hh.shape[0 if transposed else 1]
    with scope(name):
        z = _affine(x, weight_ih, bias_ih, transposed) + _affine(
            _masked(h, h_mask), weight_hh, bias_hh, transposed
        )
        with scope("input gate"):
            i = z[..., 0 * H : 1 * H].sigmoid()
        with scope("forget gate"):
            f = z[..., 1 * H : 2 * H].sigmoid()
        with scope("cell candidate"):
            g = z[..., 2 * H : 3 * H].tanh()
        with scope("output gate"):
            o = z[..., 3 * H : 4 * H].sigmoid()
        with scope("cell state"):
            c = f * c + i * g
        with scope("hidden state"):
            h = o * c.tanh()
    h.label, c.label = "h", "c"
    return h, c


def gru_cell(
    x: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    variant: str = "pytorch",
    name: str = "gru",
    h_mask: Tensor | None = None,
    transposed: bool = False,
) -> Tensor:
    r"""One GRU step, gates stacked r, z, n::

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)            reset gate
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)            update gate
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))         candidate ("pytorch")
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)         candidate ("original", Cho et al. 2014)
        h' = (1 - z) * n + z * h                               hidden state

    PyTorch (and cuDNN) apply the reset gate after the recurrent product; the original
    GRU applies it to h before. ``x`` (B, I) or (I,), ``h`` (B, H) or (H,) -> h'.
    """
    H = weight_hh.shape[0 if transposed else 1]
    with scope(name):
        h_in = _masked(h, h_mask)
        a = _affine(x, weight_ih, bias_ih, transposed)  # W_ir x + b_ir | W_iz x + b_iz | W_in x + b_in
        if variant == "pytorch":
            b = _affine(h_in, weight_hh, bias_hh, transposed)  # W_hr h + b_hr | W_hz h + b_hz | W_hn h + b_hn
        else:
            W_hrz = _gate_rows(weight_hh, 0, 2 * H, transposed)  # W_hr | W_hz
            W_hn = _gate_rows(weight_hh, 2 * H, 3 * H, transposed)
            b_hrz, b_hn = (None, None) if bias_hh is None else (bias_hh[: 2 * H], bias_hh[2 * H :])
            b = _affine(h_in, W_hrz, b_hrz, transposed)  # W_hr h + b_hr | W_hz h + b_hz
        with scope("reset gate"):
            r = (a[..., 0 * H : 1 * H] + b[..., 0 * H : 1 * H]).sigmoid()
        with scope("update gate"):
            z = (a[..., 1 * H : 2 * H] + b[..., 1 * H : 2 * H]).sigmoid()
        with scope("candidate"):
            if variant == "pytorch":
                n = (a[..., 2 * H : 3 * H] + r * b[..., 2 * H : 3 * H]).tanh()
            else:
                n = (a[..., 2 * H : 3 * H] + _affine(r * h_in, W_hn, b_hn, transposed)).tanh()
        with scope("hidden state"):
            h = (1 - z) * n + z * h
    h.label = "h"
    return h


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class _CellBase(Module):
    """A recurrent kind, described once: everything the cell, its scalar twin and the sequence
    layer need to know about it is a class attribute here.

    Class attributes of a kind:
        kind: its name in the registry (``nn.KINDS``) and the scope name of its steps.
        gates: the scope names of the G blocks of rows of ``weight_ih``, in PyTorch's order.
        states: the labels of the state tensors ("h", or "h" and "c"); a kind with one state
            takes and returns a tensor, with several a tuple.
        folds_bias: the step only ever adds ``b_ih + b_hh``, so a sequence layer may pass the
            sum once per sequence as one bias (GRU keeps both: b_hn sits inside the reset gate).
        choices: step options -> their allowed values, the default first.
        init_options: options used only at initialisation -> their defaults.
        step: the step function, ``step(x, state, weight_ih, weight_hh, bias_ih, bias_hh, *,
            name, h_mask=None, transposed=False, **choices)``.
    """

    kind: str = ""
    gates: tuple[str, ...] = ()
    states: tuple[str, ...] = ("h",)
    folds_bias: bool = True
    choices: dict[str, tuple[str, ...]] = {}
    init_options: dict[str, Any] = {}
    num_gates: int = 0
    step: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.num_gates = len(cls.gates)

    # -- options: checked here and only here ---------------------------------------

    @classmethod
    def check_choices(cls, who: str, options: dict[str, Any]) -> dict[str, Any]:
        """The step options, defaults filled in; ``ValueError`` naming ``who`` for a bad value."""
        out = {}
        for option, allowed in cls.choices.items():
            value = options.get(option, allowed[0])
            if value not in allowed:
                names = " or ".join(repr(a) for a in allowed)
                raise ValueError(f"{who}: {option} must be {names}, got {value!r}")
            out[option] = value
        return out

    @classmethod
    def check_options(cls, who: str, bias: bool, options: dict[str, Any]) -> dict[str, Any]:
        """Every option of the kind (step and initialisation), checked, defaults filled in."""
        unknown = sorted(set(options) - set(cls.choices) - set(cls.init_options))
        if unknown:
            raise TypeError(f"{who}: unexpected option(s) {unknown}")
        out = cls.check_choices(who, options)
        for option, default in cls.init_options.items():
            out[option] = options.get(option, default)
        return out

    @classmethod
    def init_bias(cls, bias_ih: np.ndarray, hidden_size: int, options: dict[str, Any]) -> None:
        """Adjust a freshly initialised ``bias_ih`` (G*H,) in place; nothing by default."""

    @classmethod
    def options_repr(cls, options: dict[str, Any]) -> str:
        """``", nonlinearity='relu'"``: the step options that differ from their defaults."""
        return "".join(
            f", {k}={options[k]!r}" for k, allowed in cls.choices.items() if options[k] != allowed[0]
        )

    # -- the module ----------------------------------------------------------------

    def __init__(self, input_size: int, hidden_size: int, bias: bool, seed: Seed, name: str | None,
                 **options: Any):
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"input_size and hidden_size must be positive, got {input_size} and {hidden_size}"
            )
        options = self.check_options(type(self).__name__, bias, options)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.name = name or self.kind
        rng = make_rng(seed)
        k = 1.0 / math.sqrt(hidden_size)
        G, H = self.num_gates * hidden_size, hidden_size
        self.weight_ih = Parameter(rng.uniform(-k, k, (G, input_size)), label="weight_ih")
        self.weight_hh = Parameter(rng.uniform(-k, k, (G, H)), label="weight_hh")
        if bias:
            self.bias_ih = Parameter(rng.uniform(-k, k, (G,)), label="bias_ih")
            self.bias_hh = Parameter(rng.uniform(-k, k, (G,)), label="bias_hh")
            self.init_bias(self.bias_ih.data, hidden_size, options)
        else:
            self.bias_ih = self.bias_hh = None
        for option, value in options.items():
            setattr(self, option, value)

    def step_options(self) -> dict[str, Any]:
        """This cell's step options (``{"nonlinearity": "tanh"}`` for an RNNCell)."""
        return {option: getattr(self, option) for option in self.choices}

    def _check(self, x: Any, states: tuple[Any, ...]) -> tuple[Tensor, ...]:
        """The input and the states as tensors of matching shapes (zeros for missing states)."""
        who = type(self).__name__
        x = _as_tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"{who}: expected input of shape (batch, {self.input_size}) or ({self.input_size},), "
                f"got {x.shape}"
            )
        want = x.shape[:-1] + (self.hidden_size,)
        out = [x]
        for s in states:
            if s is None:
                s = Tensor(np.zeros(want, dtype=x.dtype))
            s = _as_tensor(s)
            if s.shape != want:
                raise ValueError(
                    f"{who}: for input of shape {x.shape} expected a state of shape {want}, got {s.shape}"
                )
            out.append(s)
        return tuple(out)

    def forward(self, x: Tensor, hx: Any = None) -> Any:
        """One step: ``x`` (B, I) or (I,); ``hx`` the state (zeros when None) -> the new state."""
        n = len(self.states)
        if n == 1:
            given: tuple[Any, ...] = (hx,)
        elif hx is None:
            given = (None,) * n
        elif isinstance(hx, (tuple, list)) and len(hx) == n:
            given = tuple(hx)
        else:
            raise TypeError(f"{type(self).__name__}: the state must be a pair (h, c)")
        x, *state = self._check(x, given)
        return self.step(
            x, tuple(state) if n > 1 else state[0], self.weight_ih, self.weight_hh, self.bias_ih,
            self.bias_hh, name=self.name, **self.step_options()
        )

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
                + self.options_repr(self.step_options()))


class RNNCell(_CellBase):
    """Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), as ``torch.nn.RNNCell``.

    Args:
        input_size: I, features of the input x.
        hidden_size: H, features of the hidden state h.
        bias: learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: "tanh" or "relu".
        seed: int or numpy Generator for the initialisation U(-1/sqrt(H), 1/sqrt(H)).
        name: scope name of the cell in drawings ("rnn").

    Call ``cell(x, hx=None)``: x (B, I) or (I,), hx (B, H) or (H,) (zeros when None) -> h'.
    Parameters: ``weight_ih`` (H, I), ``weight_hh`` (H, H), ``bias_ih`` (H,), ``bias_hh`` (H,).
    """

    kind = "rnn"
    gates = ("hidden state",)
    choices = {"nonlinearity": ("tanh", "relu")}
    step = staticmethod(rnn_cell)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        seed: Seed = None,
        name: str | None = None,
    ):
        super().__init__(input_size, hidden_size, bias, seed, name, nonlinearity=nonlinearity)


class LSTMCell(_CellBase):
    """Long short-term memory cell, as ``torch.nn.LSTMCell`` (gates i, f, g, o).

    Args:
        input_size: I, features of the input x.
        hidden_size: H, features of h and of the cell state c.
        bias: learn ``bias_ih`` and ``bias_hh``.
        seed: int or numpy Generator for the initialisation U(-1/sqrt(H), 1/sqrt(H)).
        forget_bias: added to the forget gate's slice of ``bias_ih`` after initialisation;
            0 is PyTorch's default, 1 the value Jozefowicz et al. (2015) recommend so
            that the cell starts out remembering.
        name: scope name of the cell in drawings ("lstm").

    Call ``cell(x, (h, c))`` or ``cell(x)`` (zero state): x (B, I) or (I,) -> (h', c').
    Parameters: ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih`` (4H,), ``bias_hh`` (4H,).
    """

    kind = "lstm"
    gates = ("input gate", "forget gate", "cell candidate", "output gate")
    states = ("h", "c")
    init_options = {"forget_bias": 0.0}
    step = staticmethod(lstm_cell)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        seed: Seed = None,
        forget_bias: float = 0.0,
        name: str | None = None,
    ):
        super().__init__(input_size, hidden_size, bias, seed, name, forget_bias=forget_bias)

    @classmethod
    def check_options(cls, who: str, bias: bool, options: dict[str, Any]) -> dict[str, Any]:
        out = super().check_options(who, bias, options)
        if out["forget_bias"] and not bias:
            raise ValueError(f"{who}: forget_bias needs bias=True")
        return out

    @classmethod
    def init_bias(cls, bias_ih: np.ndarray, hidden_size: int, options: dict[str, Any]) -> None:
        """Add ``forget_bias`` to the forget gate's rows H:2H."""
        bias_ih[hidden_size : 2 * hidden_size] += options["forget_bias"]


class GRUCell(_CellBase):
    """Gated recurrent unit cell, as ``torch.nn.GRUCell`` (gates r, z, n).

    Args:
        input_size: I, features of the input x.
        hidden_size: H, features of the hidden state h.
        bias: learn ``bias_ih`` and ``bias_hh``.
        seed: int or numpy Generator for the initialisation U(-1/sqrt(H), 1/sqrt(H)).
        variant: "pytorch" applies the reset gate after the recurrent product,
            n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); "original" (Cho et al. 2014)
            before it, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn).
        name: scope name of the cell in drawings ("gru").

    Call ``cell(x, hx=None)``: x (B, I) or (I,), hx (B, H) or (H,) -> h'.
    Parameters: ``weight_ih`` (3H, I), ``weight_hh`` (3H, H), ``bias_ih`` (3H,), ``bias_hh`` (3H,).
    """

    kind = "gru"
    gates = ("reset gate", "update gate", "candidate")
    folds_bias = False
    choices = {"variant": ("pytorch", "original")}
    step = staticmethod(gru_cell)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        seed: Seed = None,
        variant: str = "pytorch",
        name: str | None = None,
    ):
        super().__init__(input_size, hidden_size, bias, seed, name, variant=variant)
