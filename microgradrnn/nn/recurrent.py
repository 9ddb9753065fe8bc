"""Sequence layers ``RNN``, ``LSTM`` and ``GRU``: a cell unrolled over time, stacked and both ways.

Shapes and parameter names are PyTorch's, so ``layer.load_state_dict(torch_layer.state_dict())``
works (torch tensors convert to numpy). With D = 2 if bidirectional else 1:

* input (T, B, I), or (B, T, I) with ``batch_first``, or (T, I) unbatched;
* output (T, B, D*H): the last layer's hidden state at every position, both directions
  side by side (forward in ``[..., :H]``, reverse in ``[..., H:]``);
* h_n (and c_n) (D*num_layers, B, H): the final state of every layer and direction,
  ordered layer 0 forward, layer 0 reverse, layer 1 forward, ...  The reverse
  direction's final state is the one after reading position 0, so
  ``h_n[-1] == output[0, :, H:]``, not ``output[-1, :, H:]``.

Parameters per layer ``k`` and direction (suffix ``_reverse`` for the backward one):
``weight_ih_l{k}`` (G*H, I or D*H), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (G*H,), with G = 1, 4, 3 gates for RNN, LSTM, GRU.

Every time step runs inside ``scope(f"t={k}")`` (k the position in the input, also for
the reverse direction) and inside it the cell's own scope: "lstm" for layer 0 forward,
"lstm l1", "lstm reverse", "lstm l1 reverse" for the others.

Which kind of cell a layer unrolls is its ``cell_type`` (``RNNCell``, ``LSTMCell``,
``GRUCell``): the layer reads the kind's states, options, bias folding and step function
from that class and knows nothing else about it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microgradrnn.functional import dropout_mask
from microgradrnn.graph import scope
from microgradrnn.joining import concat, stack
from microgradrnn.nn.cells import GRUCell, LSTMCell, RNNCell, _CellBase
from microgradrnn.nn.module import Module, Parameter, Seed, make_rng
from microgradrnn.tensor import Tensor

__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, shape checks, the unrolled loop.

    Args:
        cell_type: the kind of cell unrolled, a cell class such as ``LSTMCell``.
        input_size: I, features of each input vector.
        hidden_size: H, features of the hidden state.
        num_layers: stacked layers; layer k > 0 reads layer k-1's output.
        bias: learn the two bias vectors of every layer.
        batch_first: input and output are (B, T, features) instead of (T, B, features).
        dropout: probability of dropping each output of every layer but the last (training only).
        bidirectional: also run each layer from the end of the sequence to its start.
        recurrent_dropout: probability of dropping each unit of h on its way into the
            recurrent product; one mask per sequence, the same at every time step
            (Gal & Ghahramani 2016, Keras' ``recurrent_dropout``); training only.
        seed: int or numpy Generator: the initialisation U(-1/sqrt(H), 1/sqrt(H)) and the
            dropout masks.
        options: the kind's own options (``nonlinearity``, ``variant``, ``forget_bias``),
            checked by ``cell_type``.
    """

    def __init__(
        self,
        cell_type: type[_CellBase],
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        recurrent_dropout: float = 0.0,
        seed: Seed = None,
        **options: Any,
    ):
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, "
                f"got {input_size}, {hidden_size}, {num_layers}"
            )
        for what, p in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name}: {what} must be a probability in [0, 1], got {p}")
        options = cell_type.check_options(name, bias, options)
        self.cell_type = cell_type
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.recurrent_dropout = bidirectional, float(recurrent_dropout)
        self._rng = make_rng(seed)
        k = 1.0 / math.sqrt(hidden_size)
        G, H, D = cell_type.num_gates * hidden_size, hidden_size, self.num_directions
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else D * H
            for direction in range(D):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (G, layer_input), "weight_hh": (G, H)}
                if bias:
                    shapes.update(bias_ih=(G,), bias_hh=(G,))
                for param, shape in shapes.items():
                    name_ = param + suffix
                    setattr(self, name_, Parameter(self._rng.uniform(-k, k, shape), label=name_))
                if bias:
                    cell_type.init_bias(getattr(self, "bias_ih" + suffix).data, H, options)
        for option, value in options.items():
            setattr(self, option, value)

    @property
    def num_gates(self) -> int:
        return self.cell_type.num_gates

    def step_options(self) -> dict[str, Any]:
        """The options every step is called with (``{"variant": "pytorch"}`` for a GRU)."""
        return {option: getattr(self, option) for option in self.cell_type.choices}

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def cell_name(self, layer: int, direction: int) -> str:
        """The scope name of one layer's cell: "lstm", "lstm l1", "lstm reverse", "lstm l1 reverse"."""
        return self.cell_type.kind + (f" l{layer}" if layer else "") + (" reverse" if direction else "")

    def cell_parameters(self, layer: int, direction: int) -> tuple[Parameter, ...]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction (biases None without bias)."""
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return tuple(
            getattr(self, p + suffix, None) for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    # -- the unrolled loop -----------------------------------------------------------

    def _shared_parameters(self, layer: int, direction: int) -> tuple[Tensor | None, ...]:
        """The weights as every step of one sequence uses them, computed once per sequence.

        W^T instead of W (see ``cells._affine``); for a kind whose two biases are only ever
        added together (``cell_type.folds_bias``), b_ih + b_hh as one bias (``bias_hh``
        None): one add per step fewer.
        """
        w_ih, w_hh, b_ih, b_hh = self.cell_parameters(layer, direction)
        if self.cell_type.folds_bias and b_ih is not None:
            b_ih, b_hh = b_ih + b_hh, None
        return w_ih.T, w_hh.T, b_ih, b_hh

    def _prepare(self, input: Any, hx: Any) -> tuple[Tensor, list[list[Tensor]], bool]:
        """Input as (T, B, I) and the initial states as one list per state kind of (B, H) tensors."""
        name = type(self).__name__
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (2, 3):
            layout = "(batch, seq_len, input_size)" if self.batch_first else "(seq_len, batch, input_size)"
            raise ValueError(
                f"{name}: expected input of shape {layout} or unbatched (seq_len, input_size) "
                f"with input_size={self.input_size}, got {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input_size is {self.input_size} but the input's last dimension is "
                f"{x.shape[-1]} (input shape {x.shape})"
            )
        unbatched = x.ndim == 2
        if unbatched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (seq_len 0)")
        batch = x.shape[1]
        kinds = self.cell_type.states
        L = self.num_layers * self.num_directions
        if hx is None:
            zeros = [
                Tensor(np.zeros((batch, self.hidden_size), dtype=x.dtype), label=f"{kind}0")
                for kind in kinds
            ]
            return x, [[z] * L for z in zeros], unbatched
        if len(kinds) > 1:
            if not isinstance(hx, (tuple, list)) or len(hx) != len(kinds):
                wanted = ", ".join(f"{kind}_0" for kind in kinds)
                raise TypeError(f"{name}: the initial state must be a pair ({wanted})")
            states = list(hx)
        else:
            states = [hx]
        want = (L, self.hidden_size) if unbatched else (L, batch, self.hidden_size)
        out = []
        for which, s in zip((f"{kind}_0" for kind in kinds), states):
            s = s if isinstance(s, Tensor) else Tensor(s)
            if s.shape != want:
                raise ValueError(
                    f"{name}: expected {which} of shape {want} for input {input_shape(input)}, got {s.shape}"
                )
            if unbatched:
                s = s.reshape(L, 1, self.hidden_size)
            out.append([s[k] for k in range(L)])
        return x, out, unbatched

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        """Run the whole sequence; see the module docstring for shapes."""
        x, initial, unbatched = self._prepare(input, hx)
        T, B, H, D = x.shape[0], x.shape[1], self.hidden_size, self.num_directions
        # Layer inputs are kept as one tensor per time step, so that no step's gradient
        # has to be scattered into a (T, B, ...) array.
        inputs: list[Tensor] = []
        for t in range(T):
            with scope(f"t={t}"):
                inputs.append(x[t])
        finals: list[list[Tensor]] = [[] for _ in initial]
        step, options = self.cell_type.step, self.step_options()
        for layer in range(self.num_layers):
            if layer and self.training and self.dropout:
                inputs = [inp * dropout_mask(inp.shape, self.dropout, self._rng, inp.dtype) for inp in inputs]
            per_direction = []
            for direction in range(D):
                k = layer * D + direction
                state = tuple(s[k] for s in initial)
                state = state if len(state) > 1 else state[0]
                h_mask = None
                if self.training and self.recurrent_dropout:
                    h_mask = dropout_mask((B, H), self.recurrent_dropout, self._rng, x.dtype)
                params, name = self._shared_parameters(layer, direction), self.cell_name(layer, direction)
                outs: list[Tensor] = [None] * T  # type: ignore[list-item]
                for t in reversed(range(T)) if direction else range(T):
                    with scope(f"t={t}"):
                        state = step(inputs[t], state, *params, name=name, h_mask=h_mask, transposed=True,
                                     **options)
                    outs[t] = state[0] if isinstance(state, tuple) else state
                per_direction.append(outs)
                for kind, s in enumerate(state if isinstance(state, tuple) else (state,)):
                    finals[kind].append(s)
            if D == 1:
                inputs = per_direction[0]
            else:
                inputs = []
                for t in range(T):
                    with scope(f"t={t}"):
                        inputs.append(concat([per_direction[0][t], per_direction[1][t]], axis=-1))
        output = stack(inputs, axis=0)
        if unbatched:
            output = output.reshape(T, D * H)
        elif self.batch_first:
            output = output.transpose(1, 0, 2)
        shape = (len(finals[0]), H) if unbatched else (len(finals[0]), B, H)
        final = [stack(f, axis=0).reshape(shape) for f in finals]
        return output, (tuple(final) if len(final) == 2 else final[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.recurrent_dropout:
            s += f", recurrent_dropout={self.recurrent_dropout}"
        return s + self.cell_type.options_repr(self.step_options())


def input_shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


class RNN(RNNBase):
    """Elman RNN over a sequence, as ``torch.nn.RNN``: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, *, recurrent_dropout=0.0, seed=None)``;
    arguments as in :class:`RNNBase`. ``rnn(input, h_0=None) -> (output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        recurrent_dropout: float = 0.0,
        seed: Seed = None,
    ):
        super().__init__(RNNCell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout=recurrent_dropout, seed=seed,
                         nonlinearity=nonlinearity)


class LSTM(RNNBase):
    """LSTM over a sequence, as ``torch.nn.LSTM`` (gates i, f, g, o; see :func:`lstm_cell`).

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, *, recurrent_dropout=0.0, forget_bias=0.0, seed=None)``; arguments as
    in :class:`RNNBase`; ``forget_bias`` is added to the forget-gate slice of every
    ``bias_ih`` after initialisation (1.0: Jozefowicz et al. 2015).
    ``lstm(input, (h_0, c_0)=None) -> (output, (h_n, c_n))``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        recurrent_dropout: float = 0.0,
        forget_bias: float = 0.0,
        seed: Seed = None,
    ):
        super().__init__(LSTMCell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout=recurrent_dropout, seed=seed,
                         forget_bias=forget_bias)


class GRU(RNNBase):
    """GRU over a sequence, as ``torch.nn.GRU`` (gates r, z, n; see :func:`gru_cell`).

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, *, recurrent_dropout=0.0, variant="pytorch", seed=None)``; arguments as
    in :class:`RNNBase`; ``variant="original"`` is Cho et al.'s candidate (reset before the product).
    ``gru(input, h_0=None) -> (output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        recurrent_dropout: float = 0.0,
        variant: str = "pytorch",
        seed: Seed = None,
    ):
        super().__init__(GRUCell, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout=recurrent_dropout, seed=seed, variant=variant)
