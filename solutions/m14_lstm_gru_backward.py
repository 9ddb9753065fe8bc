"""Module 14 (challenge): LSTM and GRU backward by hand (역전파 직접 구현).

Autograd is off for this module: every gradient here is written out in numpy, from the
equations derived on the page, and the course checks it against the library's autograd
run on the same weights. A forward function returns, beside its outputs, a ``cache``: what
its backward function needs, so backward never recomputes the forward pass. What goes in
the cache is your design (a tuple, a dict, ...); only your own backward reads it.

Conventions are PyTorch's, as in modules 8 and 9: ``weight_ih`` (G*H, I), ``weight_hh``
(G*H, H), ``bias_ih`` and ``bias_hh`` (G*H,), gates stacked i, f, g, o (LSTM, G = 4) or
r, z, n (GRU, G = 3). A batch is (B, features); a sequence is time-major, (T, B, features).

Run ``microgradrnn check m14_lstm_gru_backward`` to grade this file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray


def _sigmoid(a: Array) -> Array:
    # Two branches so that neither exp overflows for large |a|.
    out = np.empty_like(a, dtype=np.float64)
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    ea = np.exp(a[~pos])
    out[~pos] = ea / (1.0 + ea)
    return out


def lstm_step_forward(
    x: Array, h_prev: Array, c_prev: Array, weight_ih: Array, weight_hh: Array, bias_ih: Array, bias_hh: Array
) -> tuple[Array, Array, Any]:
    """Exercise 14.1 (3 points): one LSTM step in numpy, and the cache its backward needs.

    The equations of module 8 (gates i, f, g, o stacked in the rows of the weights), with
    numpy arrays instead of Tensors. Keep in the cache what ``lstm_step_backward`` needs
    (the inputs of the step and the gate activations): backward must not run the forward
    pass again.

    Args:
        x: input, shape (B, I).
        h_prev, c_prev: previous hidden and cell state, shape (B, H) each.
        weight_ih: (4H, I).  weight_hh: (4H, H).  bias_ih, bias_hh: (4H,) each.

    Returns:
        ``(h_next, c_next, cache)``: numpy arrays of shape (B, H) each, and your cache.
    """
    H = h_prev.shape[1]
    z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
    i = _sigmoid(z[:, 0:H])
    f = _sigmoid(z[:, H : 2 * H])
    g = np.tanh(z[:, 2 * H : 3 * H])
    o = _sigmoid(z[:, 3 * H : 4 * H])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    cache = (x, h_prev, c_prev, weight_ih, weight_hh, i, f, g, o, tanh_c)
    return h_next, c_next, cache


def lstm_step_backward(dh_next: Array, dc_next: Array, cache: Any) -> tuple[Array, ...]:
    """Exercise 14.2 (6 points): the gradients of one LSTM step, by hand.

    ``dh_next`` and ``dc_next`` are d(loss)/d(h_next) and d(loss)/d(c_next): what reaches
    this step from above (the output at this step) and from the future (the next step).
    Remember that h_next depends on c_next too.

    Args:
        dh_next, dc_next: shape (B, H) each.
        cache: what your ``lstm_step_forward`` returned.

    Returns:
        ``(dx, dh_prev, dc_prev, dweight_ih, dweight_hh, dbias_ih, dbias_hh)``, numpy arrays
        of the shapes of ``x``, ``h_prev``, ``c_prev`` and the four parameters.
    """
    x, h_prev, c_prev, weight_ih, weight_hh, i, f, g, o, tanh_c = cache
    do = dh_next * tanh_c
    dc = dc_next + dh_next * o * (1.0 - tanh_c**2)
    di, df, dg = dc * g, dc * c_prev, dc * i
    dc_prev = dc * f
    dz = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g**2), do * o * (1.0 - o)], axis=1
    )
    db = dz.sum(axis=0)
    return dz @ weight_ih, dz @ weight_hh, dc_prev, dz.T @ x, dz.T @ h_prev, db, db.copy()


def lstm_forward(
    x: Array, h0: Array, c0: Array, weight_ih: Array, weight_hh: Array, bias_ih: Array, bias_hh: Array
) -> tuple[Array, Any]:
    """Exercise 14.3 (2 points): an LSTM over a whole sequence, with the cache of every step.

    Args:
        x: inputs, time-major, shape (T, B, I).
        h0, c0: initial states, shape (B, H) each.
        weight_ih, weight_hh, bias_ih, bias_hh: as in ``lstm_step_forward``.

    Returns:
        ``(hs, cache)``: ``hs`` of shape (T, B, H), the hidden state after every step
        (``hs[t]`` is h after reading ``x[t]``), and your cache for ``lstm_backward``.
    """
    h, c, caches, hs = h0, c0, [], []
    for x_t in x:
        h, c, step = lstm_step_forward(x_t, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        hs.append(h)
        caches.append(step)
    return np.stack(hs), caches


def lstm_backward(dhs: Array, cache: Any) -> tuple[Array, ...]:
    """Exercise 14.4 (6 points): back-propagation through time for the LSTM, by hand.

    ``dhs[t]`` is d(loss)/d(hs[t]), the gradient of the loss with respect to each output
    (zeros where a step has no loss of its own). The gradient of each h and c also flows
    back from the step after it; the parameters are shared by every step.

    Args:
        dhs: shape (T, B, H).
        cache: what your ``lstm_forward`` returned.

    Returns:
        ``(dx, dh0, dc0, dweight_ih, dweight_hh, dbias_ih, dbias_hh)``: dx of shape
        (T, B, I), dh0 and dc0 of shape (B, H), and the four parameter gradients.
    """
    dh, dc = np.zeros_like(dhs[0]), np.zeros_like(dhs[0])
    total = None
    dxs = []
    for t in reversed(range(len(cache))):
        dx, dh, dc, *dparams = lstm_step_backward(dhs[t] + dh, dc, cache[t])
        dxs.append(dx)
        total = dparams if total is None else [a + b for a, b in zip(total, dparams)]
    return (np.stack(dxs[::-1]), dh, dc, *total)


def gru_step_forward(
    x: Array,
    h_prev: Array,
    weight_ih: Array,
    weight_hh: Array,
    bias_ih: Array,
    bias_hh: Array,
    variant: str = "pytorch",
) -> tuple[Array, Any]:
    """Exercise 14.5 (3 points): one GRU step in numpy, either variant, with its cache.

    Gates r, z, n stacked in the rows of the weights, as in module 9. ``variant`` says
    where the reset gate acts: ``"pytorch"`` multiplies the recurrent product of the
    candidate (``W_hn h + b_hn``) by r; ``"original"`` (Cho et al. 2014) multiplies h by r
    before that product. Keep in the cache what ``gru_step_backward`` needs, the variant too.

    Args:
        x: shape (B, I).  h_prev: shape (B, H).
        weight_ih: (3H, I).  weight_hh: (3H, H).  bias_ih, bias_hh: (3H,) each.
        variant: ``"pytorch"`` or ``"original"``; anything else raises ``ValueError``.

    Returns:
        ``(h_next, cache)``: h_next of shape (B, H), and your cache.
    """
    if variant not in ("pytorch", "original"):
        raise ValueError(f"variant must be 'pytorch' or 'original', got {variant!r}")
    H = h_prev.shape[1]
    a = x @ weight_ih.T + bias_ih
    W_hn, b_hn = weight_hh[2 * H :], bias_hh[2 * H :]
    b_rz = h_prev @ weight_hh[: 2 * H].T + bias_hh[: 2 * H]
    r = _sigmoid(a[:, :H] + b_rz[:, :H])
    z = _sigmoid(a[:, H : 2 * H] + b_rz[:, H:])
    if variant == "pytorch":
        hn = h_prev @ W_hn.T + b_hn  # W_hn h + b_hn, before the reset gate
        n = np.tanh(a[:, 2 * H :] + r * hn)
    else:
        hn = (r * h_prev) @ W_hn.T + b_hn
        n = np.tanh(a[:, 2 * H :] + hn)
    h_next = (1.0 - z) * n + z * h_prev
    return h_next, (variant, x, h_prev, weight_ih, weight_hh, r, z, n, hn)


def gru_step_backward(dh_next: Array, cache: Any) -> tuple[Array, ...]:
    """Exercise 14.6 (6 points): the gradients of one GRU step, by hand, both variants.

    Args:
        dh_next: d(loss)/d(h_next), shape (B, H).
        cache: what your ``gru_step_forward`` returned.

    Returns:
        ``(dx, dh_prev, dweight_ih, dweight_hh, dbias_ih, dbias_hh)``, numpy arrays of the
        shapes of ``x``, ``h_prev`` and the four parameters.
    """
    variant, x, h_prev, weight_ih, weight_hh, r, z, n, hn = cache
    H = h_prev.shape[1]
    W_hn = weight_hh[2 * H :]
    dn = dh_next * (1.0 - z)
    dz = dh_next * (h_prev - n)
    dh_prev = dh_next * z
    da_n = dn * (1.0 - n**2)
    if variant == "pytorch":
        dr = da_n * hn
        dhn = da_n * r  # the gradient of W_hn h + b_hn
        dW_hn, dh_prev = dhn.T @ h_prev, dh_prev + dhn @ W_hn
    else:
        d_rh = da_n @ W_hn  # the gradient of r * h
        dr = d_rh * h_prev
        dhn = da_n
        dW_hn, dh_prev = dhn.T @ (r * h_prev), dh_prev + d_rh * r
    da_r, da_z = dr * r * (1.0 - r), dz * z * (1.0 - z)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    db_rz = np.concatenate([da_r, da_z], axis=1)
    dh_prev = dh_prev + db_rz @ weight_hh[: 2 * H]
    dweight_hh = np.concatenate([db_rz.T @ h_prev, dW_hn])
    dbias_hh = np.concatenate([db_rz.sum(axis=0), dhn.sum(axis=0)])
    return da @ weight_ih, dh_prev, da.T @ x, dweight_hh, da.sum(axis=0), dbias_hh


def gru_forward(
    x: Array,
    h0: Array,
    weight_ih: Array,
    weight_hh: Array,
    bias_ih: Array,
    bias_hh: Array,
    variant: str = "pytorch",
) -> tuple[Array, Any]:
    """Exercise 14.7 (2 points): a GRU over a whole sequence, with the cache of every step.

    Args:
        x: inputs, time-major, shape (T, B, I).  h0: shape (B, H).
        weight_ih, weight_hh, bias_ih, bias_hh, variant: as in ``gru_step_forward``.

    Returns:
        ``(hs, cache)``: ``hs`` of shape (T, B, H) (``hs[t]`` is h after reading ``x[t]``),
        and your cache for ``gru_backward``.
    """
    h, caches, hs = h0, [], []
    for x_t in x:
        h, step = gru_step_forward(x_t, h, weight_ih, weight_hh, bias_ih, bias_hh, variant)
        hs.append(h)
        caches.append(step)
    return np.stack(hs), caches


def gru_backward(dhs: Array, cache: Any) -> tuple[Array, ...]:
    """Exercise 14.8 (5 points): back-propagation through time for the GRU, by hand.

    Args:
        dhs: d(loss)/d(hs[t]) for every step, shape (T, B, H).
        cache: what your ``gru_forward`` returned.

    Returns:
        ``(dx, dh0, dweight_ih, dweight_hh, dbias_ih, dbias_hh)``: dx of shape (T, B, I),
        dh0 of shape (B, H), and the four parameter gradients summed over the steps.
    """
    dh = np.zeros_like(dhs[0])
    total = None
    dxs = []
    for t in reversed(range(len(cache))):
        dx, dh, *dparams = gru_step_backward(dhs[t] + dh, cache[t])
        dxs.append(dx)
        total = dparams if total is None else [a + b for a, b in zip(total, dparams)]
    return (np.stack(dxs[::-1]), dh, *total)
