"""Probes of module 15: run the learner's multi-head attention and back-propagate through it.

A dict of weights does not travel with gradients through ``learner.backward``, so this probe
builds the Tensors in the runner, calls the learner's function, runs backward with the judge's
upstream gradient and returns every gradient as plain arrays. It never knows the right answer.
"""

from __future__ import annotations

from microgradrnn import Tensor


def mha_grads(m, query, key, value, weights, num_heads, upstream):  # noqa: ANN001, ANN201
    q, k, v = (Tensor(a, requires_grad=True) for a in (query, key, value))
    W = {n: Tensor(a, requires_grad=True) for n, a in weights.items()}
    out = m.multi_head_attention(q, k, v, W, num_heads)
    (out * Tensor(upstream)).sum().backward()
    grads = {"query": q.grad, "key": k.grad, "value": v.grad}
    grads.update({n: t.grad for n, t in W.items()})
    return grads
