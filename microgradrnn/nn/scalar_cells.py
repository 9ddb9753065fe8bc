"""The three cells again, built from scalar ``Value``s: every multiply is a node of its own.

They are meant for tiny sizes (a drawing of one LSTM step with H = 2 already has a few
hundred nodes) and give the same numbers as the tensor cells of :mod:`microgradrnn.nn.cells`:
the parameters have the same layout, as lists (rows) of lists (columns) of Values
(``weight_ih[row][col]`` is ``LSTMCell.weight_ih.data[row, col]``), and
``ScalarLSTMCell.from_tensor_cell(cell)`` copies a tensor cell's weights.

One input is a list of ``input_size`` numbers or Values (no batch); a state is a list of
``hidden_size`` Values. Scopes and gate names are the tensor cells'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce
from operator import add
from typing import Any

from microgradrnn.graph import scope
from microgradrnn.nn.cells import GRUCell, LSTMCell, RNNCell, _CellBase
from microgradrnn.nn.module import Seed, make_rng
from microgradrnn.value import Value

Vector = list[Value]

__all__ = ["ScalarGRUCell", "ScalarLSTMCell", "ScalarRNNCell"]


class _ScalarCell:
    """What the scalar cells share; the kind itself (gates, options) is read from ``tensor_cell``."""

    tensor_cell: type[_CellBase] = RNNCell
    num_gates: int = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.num_gates = cls.tensor_cell.num_gates

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        seed: Seed = None,
        name: str | None = None,
        **options: Any,
    ):
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"input_size and hidden_size must be positive, got {input_size} and {hidden_size}"
            )
        unknown = sorted(set(options) - set(self.tensor_cell.choices))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected option(s) {unknown}")
        for option, value in self.tensor_cell.check_choices(type(self).__name__, options).items():
            setattr(self, option, value)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.name = name or self.tensor_cell.kind
        rng = make_rng(seed)
        k = 1.0 / math.sqrt(hidden_size)
        rows = self.num_gates * hidden_size

        def matrix(label: str, cols: int) -> list[Vector]:
            return [
                [Value(rng.uniform(-k, k), label=f"{label}[{r},{c}]") for c in range(cols)]
                for r in range(rows)
            ]

        self.weight_ih = matrix("weight_ih", input_size)
        self.weight_hh = matrix("weight_hh", hidden_size)
        self.bias_ih = (
            [Value(rng.uniform(-k, k), label=f"bias_ih[{r}]") for r in range(rows)] if bias else None
        )
        self.bias_hh = (
            [Value(rng.uniform(-k, k), label=f"bias_hh[{r}]") for r in range(rows)] if bias else None
        )

    @classmethod
    def from_tensor_cell(cls, cell: Any, **kwargs: Any) -> _ScalarCell:
        """A scalar cell holding a copy of a tensor cell's weights (``RNNCell`` -> ``ScalarRNNCell`` etc.)."""
        if getattr(cell, "num_gates", None) != cls.num_gates:
            raise TypeError(
                f"{cls.__name__}.from_tensor_cell needs a cell with {cls.num_gates} gate(s), "
                f"got {type(cell).__name__}"
            )
        kwargs.setdefault("name", cell.name)
        for option in cls.tensor_cell.choices:
            kwargs.setdefault(option, getattr(cell, option))
        new = cls(cell.input_size, cell.hidden_size, cell.bias, seed=0, **kwargs)
        for name, p in cell.named_parameters():
            target = getattr(new, name)
            for r, row in enumerate(p.data.reshape(p.shape[0], -1)):
                for c, number in enumerate(row):
                    (target[r][c] if p.ndim == 2 else target[r]).data = float(number)
        return new

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``("weight_ih[r,c]", value)`` for every number, in PyTorch's parameter order."""
        out = []
        for group in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh):
            if group is None:
                continue
            for item in group:
                out.extend((v.label, v) for v in (item if isinstance(item, list) else [item]))
        return out

    def parameters(self) -> list[Value]:
        """Every weight and bias Value, in PyTorch's parameter order."""
        return [v for _, v in self.named_parameters()]

    def zero_grad(self) -> None:
        for v in self.parameters():
            v.grad = 0.0

    # -- the pieces of every gate ----------------------------------------------------

    def _ih(self, row: int, x: Sequence[Value]) -> Value:
        """W_ih[row] . x + b_ih[row], one multiply per input number."""
        terms = [w * xi for w, xi in zip(self.weight_ih[row], x)]
        return reduce(add, terms + ([self.bias_ih[row]] if self.bias_ih else []))

    def _hh(self, row: int, h: Sequence[Value]) -> Value:
        """W_hh[row] . h + b_hh[row]."""
        terms = [w * hj for w, hj in zip(self.weight_hh[row], h)]
        return reduce(add, terms + ([self.bias_hh[row]] if self.bias_hh else []))

    def _vectors(self, x: Sequence[Any], states: Sequence[Sequence[Any] | None]) -> list[Vector]:
        who = type(self).__name__
        if len(x) != self.input_size:
            raise ValueError(f"{who}: expected an input of {self.input_size} numbers, got {len(x)}")
        out = [[xi if isinstance(xi, Value) else Value(xi, label=f"x[{k}]") for k, xi in enumerate(x)]]
        for s in states:
            if s is None:
                s = [Value(0.0, label=f"h0[{j}]") for j in range(self.hidden_size)]
            if len(s) != self.hidden_size:
                raise ValueError(f"{who}: expected a state of {self.hidden_size} numbers, got {len(s)}")
            out.append([v if isinstance(v, Value) else Value(v) for v in s])
        return out


def _label(vector: Vector, name: str) -> Vector:
    for j, v in enumerate(vector):
        v.label = f"{name}[{j}]"
    return vector


class ScalarRNNCell(_ScalarCell):
    """:class:`~microgradrnn.nn.RNNCell` from Values.

    h'_j = tanh(W_ih[j] . x + b_ih[j] + W_hh[j] . h + b_hh[j]); ``cell(x, hx) -> h'``, lists of Values.
    """

    tensor_cell = RNNCell

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
        super().__init__(input_size, hidden_size, bias, seed=seed, name=name, nonlinearity=nonlinearity)

    def __call__(self, x: Sequence[Any], hx: Sequence[Any] | None = None) -> Vector:
        x, h = self._vectors(x, [hx])
        act = Value.tanh if self.nonlinearity == "tanh" else Value.relu
        with scope(self.name), scope("hidden state"):
            h = [act(self._ih(j, x) + self._hh(j, h)) for j in range(self.hidden_size)]
        return _label(h, "h")


class ScalarLSTMCell(_ScalarCell):
    """:class:`~microgradrnn.nn.LSTMCell` from Values; ``cell(x, (h, c)) -> (h', c')``, lists of Values."""

    tensor_cell = LSTMCell

    def __call__(
        self, x: Sequence[Any], hx: tuple[Sequence[Any], Sequence[Any]] | None = None
    ) -> tuple[Vector, Vector]:
        x, h, c = self._vectors(x, [None, None] if hx is None else list(hx))
        H, gate = self.hidden_size, self._ih  # gate(row, x) = W_ih[row] . x + b_ih[row]
        with scope(self.name):
            with scope("input gate"):
                i = [(gate(0 * H + j, x) + self._hh(0 * H + j, h)).sigmoid() for j in range(H)]
            with scope("forget gate"):
                f = [(gate(1 * H + j, x) + self._hh(1 * H + j, h)).sigmoid() for j in range(H)]
            with scope("cell candidate"):
                g = [(gate(2 * H + j, x) + self._hh(2 * H + j, h)).tanh() for j in range(H)]
            with scope("output gate"):
                o = [(gate(3 * H + j, x) + self._hh(3 * H + j, h)).sigmoid() for j in range(H)]
            with scope("cell state"):
                c = [f[j] * c[j] + i[j] * g[j] for j in range(H)]
            with scope("hidden state"):
                h = [o[j] * c[j].tanh() for j in range(H)]
        return _label(h, "h"), _label(c, "c")


class ScalarGRUCell(_ScalarCell):
    """:class:`~microgradrnn.nn.GRUCell` from Values, both variants; ``cell(x, hx) -> h'``."""

    tensor_cell = GRUCell

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
        super().__init__(input_size, hidden_size, bias, seed=seed, name=name, variant=variant)

    def __call__(self, x: Sequence[Any], hx: Sequence[Any] | None = None) -> Vector:
        x, h = self._vectors(x, [hx])
        H = self.hidden_size
        with scope(self.name):
            with scope("reset gate"):
                r = [(self._ih(0 * H + j, x) + self._hh(0 * H + j, h)).sigmoid() for j in range(H)]
            with scope("update gate"):
                z = [(self._ih(1 * H + j, x) + self._hh(1 * H + j, h)).sigmoid() for j in range(H)]
            with scope("candidate"):
                if self.variant == "pytorch":
                    n = [(self._ih(2 * H + j, x) + r[j] * self._hh(2 * H + j, h)).tanh() for j in range(H)]
                else:
                    rh = [r[k] * h[k] for k in range(H)]
                    n = [(self._ih(2 * H + j, x) + self._hh(2 * H + j, rh)).tanh() for j in range(H)]
            with scope("hidden state"):
                h = [(1 - z[j]) * n[j] + z[j] * h[j] for j in range(H)]
        return _label(h, "h")
