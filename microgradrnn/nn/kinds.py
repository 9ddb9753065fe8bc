"""The registry of recurrent kinds: the one table that experiments, drawings and the CLI read.

A kind is described by its cell class (gates, states, step function, options: see
:class:`~microgradrnn.nn.cells.RNNCell`); this table adds its scalar twin and the name of
its sequence layer. Adding a kind is its step and cell class in ``cells.py``, its scalar
twin in ``scalar_cells.py`` and one line in ``KINDS`` below; :func:`layer` then builds
its sequence layer (``RNNBase`` unrolls any cell class).

>>> from microgradrnn.nn import KINDS
>>> sorted(KINDS)
['gru', 'lstm', 'rnn']
>>> KINDS["lstm"].cell.states
('h', 'c')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microgradrnn.nn.cells import GRUCell, LSTMCell, RNNCell, _CellBase
from microgradrnn.nn.recurrent import GRU, LSTM, RNN, RNNBase
from microgradrnn.nn.scalar_cells import ScalarGRUCell, ScalarLSTMCell, ScalarRNNCell, _ScalarCell

__all__ = ["KINDS", "Kind", "kind_options", "layer"]


@dataclass(frozen=True)
class Kind:
    """One recurrent kind: its tensor cell, its scalar twin, names for people, its sequence layer.

    ``title`` names it in charts ("tanh RNN"); ``description`` in command-line help.
    ``sequence_layer`` is the layer class with PyTorch's signature, None for a kind that
    PyTorch does not have (then :func:`layer` unrolls the cell with ``RNNBase``).
    """

    cell: type[_CellBase]
    scalar_cell: type[_ScalarCell]
    title: str
    description: str
    sequence_layer: type[RNNBase] | None = None

    @property
    def name(self) -> str:
        return self.cell.kind


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(RNNCell, ScalarRNNCell, "tanh RNN", "Elman RNN, tanh", RNN),
        Kind(LSTMCell, ScalarLSTMCell, "LSTM", "long short-term memory", LSTM),
        Kind(GRUCell, ScalarGRUCell, "GRU", "gated recurrent unit", GRU),
    )
}
"""Kind name ("rnn", "lstm", "gru") -> :class:`Kind`, in the order the course teaches them."""


def kind_options(kind: str, **options: Any) -> dict[str, Any]:
    """The ``options`` that ``kind`` takes, the others dropped: a caller sets ``forget_bias``
    once for every kind and only the LSTM receives it."""
    cell = KINDS[kind].cell
    return {k: v for k, v in options.items() if k in cell.choices or k in cell.init_options}


def layer(kind: str, input_size: int, hidden_size: int, **kwargs: Any) -> RNNBase:
    """The sequence layer of ``kind`` (``layer("lstm", 3, 4, num_layers=2)`` is ``nn.LSTM(3, 4, ...)``).

    ``kwargs`` are the layer's keyword arguments, the kind's options included. A kind
    without a layer class of its own is unrolled by :class:`RNNBase` directly.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown recurrent kind {kind!r}; choose from {tuple(KINDS)}")
    entry = KINDS[kind]
    if entry.sequence_layer is not None:
        return entry.sequence_layer(input_size, hidden_size, **kwargs)
    return RNNBase(entry.cell, input_size, hidden_size, **kwargs)
