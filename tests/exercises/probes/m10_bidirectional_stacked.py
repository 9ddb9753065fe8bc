"""Probes of module 10: build library cells from seeds in the runner and hand them to the learner's code.

A cell is described by plain data, ``(kind, input_size, hidden_size, seed)`` with kind "rnn"
or "gru"; the judge builds the same cells from the same seeds to compute what is right.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, nn

CELLS = {"rnn": nn.RNNCell, "gru": nn.GRUCell}


def _cell(spec):
    kind, input_size, hidden_size, seed = spec
    return CELLS[kind](int(input_size), int(hidden_size), seed=int(seed))


def _grads(cell) -> list:
    return [p.grad for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]


def _with_backward(result, output, x: Tensor, cells: list, upstream) -> dict:
    """Back-propagate sum(output * upstream) from the learner's output; every gradient reached."""
    (output * Tensor(np.asarray(upstream))).sum().backward()
    return {"result": result, "x": x.grad, "params": [_grads(c) for c in cells]}


def bidirectional(m, forward_spec, backward_spec, x, upstream=None):
    """``m.bidirectional`` on two fresh cells; with ``upstream`` also the gradients of x and the cells."""
    cells = [_cell(forward_spec), _cell(backward_spec)]
    xt = Tensor(np.asarray(x), requires_grad=upstream is not None)
    result = m.bidirectional(cells[0], cells[1], xt)
    if upstream is None:
        return result
    return _with_backward(result, result[0], xt, cells, upstream)


def stacked(m, specs, x, return_sequences=True, upstream=None):
    """``m.stacked`` on fresh cells, bottom first; with ``upstream`` also the gradients."""
    cells = [_cell(s) for s in specs]
    xt = Tensor(np.asarray(x), requires_grad=upstream is not None)
    result = m.stacked(cells, xt, return_sequences=return_sequences)
    if upstream is None:
        return result
    return _with_backward(result, result, xt, cells, upstream)


def recurrent_dropout(m, spec, x, p, seed, training=True, bias_ih=None, upstream=None):
    """``m.run_with_recurrent_dropout`` on a fresh GRU cell (``bias_ih`` replaces its input bias)."""
    cell = _cell(spec)
    if bias_ih is not None:
        cell.bias_ih.data[...] = np.asarray(bias_ih)
    xt = Tensor(np.asarray(x), requires_grad=upstream is not None)
    result = m.run_with_recurrent_dropout(cell, xt, p, seed, training=training)
    if upstream is None:
        return result
    return _with_backward(result, result[0], xt, [cell], upstream)
