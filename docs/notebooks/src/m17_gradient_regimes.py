# %% [markdown]
# # 17 · Gradient regimes (기울기 소실/폭발의 조건)
# gamma ||W|| > 1 allows exploding; whether it happens depends on where the pre-activations sit.
# Two sigmoid RNNs with the same W = 6 Q: one held at a = 0, one started at a random state.

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import Tensor, plot


def growth(W, b, h0, steps, act="sigmoid"):
    """||d h_steps / d h_0||_2, by one backward pass over a batch of H copies of h0."""
    H = len(h0)
    start = Tensor(np.tile(h0, (H, 1)), requires_grad=True)
    h = start
    for _ in range(steps):
        a = h @ Tensor(W.T) + Tensor(b)
        h = a.sigmoid() if act == "sigmoid" else a.tanh()
    (h * Tensor(np.eye(H))).sum().backward()
    return np.linalg.norm(start.grad, 2)


H = 8
Q = np.linalg.qr(np.random.default_rng(17).standard_normal((H, H)))[0]
half = np.full(H, 0.5)
ts = list(range(1, 31))
SVG(plot.line_chart({
    "at a = 0": [growth(6 * Q, -6 * Q @ half, half, t) for t in ts],
    "random start": [growth(6 * Q, np.zeros(H), np.random.default_rng(1).uniform(0, 1, H), t) for t in ts],
}, log_y=True, x=ts, xlabel="t", title="sigmoid RNN, ||W|| = 6"))

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m17_gradient_regimes.py`, then run the cell.

# %%
from microgradrnn.grading import check

check(17)

# %% [markdown]
# ## Try this
# Scale W from 3 to 8 at the fixed point: where does the growth over 30 steps cross 1?

# %%
for scale in (3, 4, 5, 6, 8):
    print(scale, f"{growth(scale * Q, -scale * Q @ half, half, 30):.3g}")
