"""Module 15 (challenge): a small seq2seq model with attention, end to end (어텐션 seq2seq).

An encoder GRU reads the source; a decoder GRU writes the target one token at a time, and at
every step looks back at all encoder states through dot-product attention, with padded source
positions masked out. Training feeds the decoder the true previous token (teacher forcing) and
averages the loss over real target tokens only; generation feeds back its own greedy choice.
The task is to reverse a short sequence of symbols.

Tokens: ``PAD`` = 0, ``BOS`` = 1 (start of the target), ``EOS`` = 2 (end), symbols 3 .. V-1.
Batches are batch-first: a source is (B, S) int, a target (B, T) int.
The parameters are a dict of Tensors, named as ``init_params`` makes them; the GRU cells are
the library's ``gru_cell`` (module 9) with PyTorch's layout.

Run ``microgradrnn check m15_seq2seq_attention`` to grade this file.
"""

from __future__ import annotations

import numpy as np

from microgradrnn import Tensor, concat, stack
from microgradrnn.functional import embedding, log_softmax
from microgradrnn.nn.cells import gru_cell
from microgradrnn.optim import Adam, clip_grad_norm_

PAD, BOS, EOS = 0, 1, 2


def init_params(vocab_size: int, embed_size: int, hidden_size: int, seed: int) -> dict[str, Tensor]:
    """The model's parameters (given, not an exercise), each a Tensor that requires grad.

    ``src_emb``, ``tgt_emb`` (V, E); ``enc_*`` and ``dec_*``: a GRU cell's ``W_ih`` (3H, E),
    ``W_hh`` (3H, H), ``b_ih``, ``b_hh`` (3H,); ``out_W`` (V, 2H) and ``out_b`` (V,): the output
    layer reads the decoder state and the attention context side by side, [h ; context].
    """
    rng = np.random.default_rng(seed)
    V, E, H = vocab_size, embed_size, hidden_size
    k = 1.0 / np.sqrt(H)
    shapes = {"src_emb": (V, E), "tgt_emb": (V, E), "out_W": (V, 2 * H), "out_b": (V,)}
    for side in ("enc", "dec"):
        shapes |= {f"{side}_W_ih": (3 * H, E), f"{side}_W_hh": (3 * H, H),
                   f"{side}_b_ih": (3 * H,), f"{side}_b_hh": (3 * H,)}
    params = {}
    for name, shape in shapes.items():
        scale = 1.0 if name.endswith("emb") else k
        params[name] = Tensor(rng.uniform(-scale, scale, shape), requires_grad=True)
    return params


def reverse_task(n: int, vocab_size: int, max_len: int, seed: int) -> tuple[np.ndarray, ...]:
    """``n`` examples of the task (given): ``(src, tgt_in, tgt_out)``.

    ``src`` (n, max_len): 1 to ``max_len`` random symbols, then PAD. ``tgt_out`` (n, max_len + 1):
    the symbols reversed, EOS, then PAD. ``tgt_in``: BOS followed by ``tgt_out`` without its last
    column, what the decoder reads under teacher forcing.
    """
    rng = np.random.default_rng(seed)
    src = np.full((n, max_len), PAD)
    tgt_out = np.full((n, max_len + 1), PAD)
    for b in range(n):
        length = rng.integers(1, max_len + 1)
        symbols = rng.integers(3, vocab_size, length)
        src[b, :length] = symbols
        tgt_out[b, :length] = symbols[::-1]
        tgt_out[b, length] = EOS
    tgt_in = np.concatenate([np.full((n, 1), BOS), tgt_out[:, :-1]], axis=1)
    return src, tgt_in, tgt_out


def padding_mask(tokens: np.ndarray) -> np.ndarray:
    """Exercise 15.1 (1 point): which positions of a padded batch hold a real token.

    Args:
        tokens: int array (B, S), padded with ``PAD``.

    Returns:
        A bool numpy array (B, S): True where the token is not ``PAD``.
    """
    return np.asarray(tokens) != PAD


def masked_attention(query: Tensor, keys: Tensor, mask: np.ndarray) -> tuple[Tensor, Tensor]:
    """Exercise 15.2 (4 points): dot-product attention of one query over states, padding masked.

    The score of position s is the dot product of the query with ``keys[:, s]`` (not scaled);
    the weights are the softmax of the scores over the positions the mask keeps, and exactly
    0 on the others; the context is the weighted sum of the keys (keys and values are the same
    encoder states here).

    Args:
        query: (B, H).  keys: (B, S, H).
        mask: bool numpy array (B, S), at least one True per row.

    Returns:
        ``(context, weights)``: Tensors (B, H) and (B, S), built from Tensor ops so that
        gradients reach query and keys.
    """
    B, S, H = keys.shape
    scores = (keys * query.reshape(B, 1, H)).sum(axis=-1)
    # A large negative score, not -inf: exp underflows to exactly 0 and no nan appears.
    scores = scores + Tensor(np.where(mask, 0.0, -1e9))
    weights = scores.softmax(axis=-1)
    context = (weights.reshape(B, S, 1) * keys).sum(axis=1)
    return context, weights


def encode(params: dict[str, Tensor], src: np.ndarray) -> tuple[Tensor, Tensor]:
    """Exercise 15.3 (3 points): run the encoder GRU over a padded source.

    Embed the source with ``src_emb`` and run the ``enc_`` GRU cell from a zero state. At a
    padded position the state must not change (carry the previous state on), so that the last
    state of each row is its state after its last real token.

    Args:
        params: as ``init_params`` makes them.  src: int array (B, S).

    Returns:
        ``(states, h_last)``: Tensors (B, S, H), the state after every position, and (B, H).
    """
    mask = padding_mask(src)
    x = embedding(src, params["src_emb"])
    B, S = src.shape
    h = Tensor(np.zeros((B, params["enc_W_hh"].shape[1])))
    states = []
    for s in range(S):
        new = gru_cell(x[:, s], h, *(params[f"enc_{k}"] for k in ("W_ih", "W_hh", "b_ih", "b_hh")))
        keep = Tensor(mask[:, s : s + 1].astype(float))
        h = keep * new + (1.0 - keep) * h
        states.append(h)
    return stack(states, axis=1), h


def decode_teacher_forcing(
    params: dict[str, Tensor], states: Tensor, src_mask: np.ndarray, h0: Tensor, tgt_in: np.ndarray
) -> Tensor:
    """Exercise 15.4 (4 points): the decoder's scores for every target position, teacher forced.

    At step t the decoder embeds ``tgt_in[:, t]`` with ``tgt_emb``, runs the ``dec_`` GRU cell
    from the previous state (``h0`` at t = 0), attends with the new state over ``states``
    (masked by ``src_mask``), and scores the V tokens with ``out_W`` and ``out_b`` applied to
    [h ; context] (state first, then context).

    Args:
        params: as ``init_params`` makes them.  states: (B, S, H).  src_mask: bool (B, S).
        h0: (B, H), the encoder's last state.  tgt_in: int array (B, T).

    Returns:
        The scores, a Tensor (B, T, V), connected to every parameter it used.
    """
    h, logits = h0, []
    for t in range(tgt_in.shape[1]):
        e = embedding(tgt_in[:, t], params["tgt_emb"])
        h = gru_cell(e, h, params["dec_W_ih"], params["dec_W_hh"], params["dec_b_ih"], params["dec_b_hh"])
        context, _ = masked_attention(h, states, src_mask)
        logits.append(concat([h, context], axis=-1) @ params["out_W"].T + params["out_b"])
    return stack(logits, axis=1)


def masked_loss(logits: Tensor, targets: np.ndarray, mask: np.ndarray) -> Tensor:
    """Exercise 15.5 (3 points): the mean cross-entropy over the real target tokens.

    Args:
        logits: (B, T, V).  targets: int array (B, T).
        mask: bool numpy array (B, T): True for a real target token (EOS included), False for
            padding, which adds nothing to the loss (and gets no gradient).

    Returns:
        A scalar Tensor: the sum of the kept tokens' cross-entropies divided by their number.
    """
    log_probs = log_softmax(logits, dim=-1)
    picked = (log_probs * Tensor(np.eye(logits.shape[-1])[targets] * mask[..., None])).sum()
    return -picked / float(mask.sum())


def greedy_decode(params: dict[str, Tensor], src: np.ndarray, max_len: int) -> np.ndarray:
    """Exercise 15.6 (3 points): generate the target by feeding back the best token each step.

    Encode ``src``; start the decoder from the encoder's last state with ``BOS``; at every step
    take the token with the highest score and feed it back as the next input. Once a row has
    produced ``EOS``, it emits ``PAD`` for the rest of the steps.

    Args:
        params: as ``init_params`` makes them.  src: int array (B, S).  max_len: steps to run.

    Returns:
        An int numpy array (B, max_len) of the tokens produced (the EOS included).
    """
    mask = padding_mask(src)
    states, h = encode(params, src)
    y = np.full(len(src), BOS)
    done = np.zeros(len(src), dtype=bool)
    out = np.full((len(src), max_len), PAD)
    for t in range(max_len):
        e = embedding(y, params["tgt_emb"])
        h = gru_cell(e, h, params["dec_W_ih"], params["dec_W_hh"], params["dec_b_ih"], params["dec_b_hh"])
        context, _ = masked_attention(h, states, mask)
        scores = concat([h, context], axis=-1) @ params["out_W"].T + params["out_b"]
        y = scores.data.argmax(axis=-1)  # the model's own choice is the next input
        out[:, t] = np.where(done, PAD, y)
        done |= y == EOS
    return out


def train_reverse(seed: int) -> dict[str, np.ndarray]:
    """Exercise 15.7 (6 points): train the model to reverse sequences; return its parameters.

    The task: ``reverse_task`` with ``vocab_size = 8`` (6 symbols) and ``max_len = 5``, model
    sizes ``init_params(8, 16, 32, seed)`` (you may choose others). Train with teacher forcing
    and your masked loss. The course decodes a held-out set of its own with your returned
    parameters and its own greedy decoder, and wants at least 90 % of the sequences exactly
    right. Training must finish within the test's time limit (60 s on a slow machine; aim for
    a third of that).

    Args:
        seed: seeds the initialisation and the training data.

    Returns:
        The trained parameters: ``{name: numpy array}`` with the names of ``init_params``.
    """
    params = init_params(8, 16, 32, seed)
    optimizer = Adam(list(params.values()), lr=0.01)
    src, tgt_in, tgt_out = reverse_task(4000, 8, 5, seed)
    rng = np.random.default_rng(seed)
    for _ in range(400):
        idx = rng.integers(0, len(src), 64)
        states, h = encode(params, src[idx])
        logits = decode_teacher_forcing(params, states, padding_mask(src[idx]), h, tgt_in[idx])
        loss = masked_loss(logits, tgt_out[idx], padding_mask(tgt_out[idx]))
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(list(params.values()), 1.0)
        optimizer.step()
    return {name: p.data.copy() for name, p in params.items()}


def positional_encoding(length: int, dim: int) -> np.ndarray:
    """Exercise 15.8 (2 points): the sinusoidal positional encoding of the Transformer.

    Position p and feature pair k (features 2k and 2k + 1) get the sine and the cosine of
    p / 10000 ** (2k / dim) (Vaswani et al. 2017, CS231n's ``PositionalEncoding``).

    Args:
        length: N positions.  dim: D features, even; an odd D raises ``ValueError``.

    Returns:
        A numpy array (N, D).
    """
    if dim % 2:
        raise ValueError(f"the encoding needs an even dimension, got {dim}")
    angle = np.arange(length)[:, None] / 10000.0 ** (np.arange(0, dim, 2)[None, :] / dim)
    out = np.empty((length, dim))
    out[:, 0::2], out[:, 1::2] = np.sin(angle), np.cos(angle)
    return out


def multi_head_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    weights: dict[str, Tensor],
    num_heads: int,
    attn_mask: np.ndarray | None = None,
) -> Tensor:
    """Exercise 15.9 (5 points): multi-head scaled dot-product attention, with a mask.

    Project query, key and value with ``W_q``, ``W_k``, ``W_v`` (a layer y = x W^T + b with
    ``b_q``, ``b_k``, ``b_v``); split the D features into ``num_heads`` heads of D / num_heads
    consecutive features; in each head, scores are Q K^T / sqrt(D / num_heads), positions where
    ``attn_mask`` is False get weight 0, a softmax over the keys gives the weights, and the head's
    output is weights @ V; put the heads side by side again and apply ``W_o``, ``b_o``.

    Args:
        query: (B, N, D).  key, value: (B, M, D).
        weights: ``W_q``, ``W_k``, ``W_v``, ``W_o`` (D, D) and ``b_q``, ``b_k``, ``b_v``, ``b_o``
            (D,), Tensors.
        num_heads: h, dividing D (else ``ValueError``).
        attn_mask: None, or a bool numpy array (N, M), True where query n may look at key m
            (e.g. a causal mask); every row has at least one True.

    Returns:
        A Tensor (B, N, D) built from Tensor ops, so gradients reach every argument.
    """
    B, N, D = query.shape
    M = key.shape[1]
    if D % num_heads:
        raise ValueError(f"num_heads {num_heads} does not divide the dimension {D}")
    d = D // num_heads

    def heads(x: Tensor, name: str, length: int) -> Tensor:  # (B, L, D) -> (B, h, L, d)
        y = x @ weights[f"W_{name}"].T + weights[f"b_{name}"]
        return y.reshape(B, length, num_heads, d).transpose(0, 2, 1, 3)

    q, k, v = heads(query, "q", N), heads(key, "k", M), heads(value, "v", M)
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    if attn_mask is not None:
        scores = scores + Tensor(np.where(attn_mask, 0.0, -1e9))
    out = scores.softmax(axis=-1) @ v  # (B, h, N, d)
    out = out.transpose(0, 2, 1, 3).reshape(B, N, D)
    return out @ weights["W_o"].T + weights["b_o"]

