# %% [markdown]
# # 15 · Seq2seq with attention (어텐션 seq2seq)
# One attention step: a decoder state scores every encoder state, a masked softmax turns the
# scores into weights (0 on padding), and the context is the weighted sum.

# %%
import numpy as np

from microgradrnn import Tensor, draw

rng = np.random.default_rng(0)
query = Tensor(rng.standard_normal((1, 3)), requires_grad=True, label="d_t")
keys = Tensor(rng.standard_normal((1, 4, 3)), requires_grad=True, label="encoder states")
mask = np.array([[True, True, True, False]])
scores = (keys * query.reshape(1, 1, 3)).sum(axis=-1) + Tensor(np.where(mask, 0.0, -1e9))
weights = scores.softmax(axis=-1)
context = (weights.reshape(1, 4, 1) * keys).sum(axis=1)
print("weights:", np.round(weights.data, 3))
draw(context)

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m15_seq2seq_attention.py`, then run the cell (15.7 trains a model:
# a few seconds).

# %%
from microgradrnn.grading import check

check(15)

# %% [markdown]
# ## Try this
# Padding must not matter: change the padded encoder state and the context stays the same.

# %%
keys2 = Tensor(np.where(mask[..., None], keys.data, 100.0))
s2 = (keys2 * query.reshape(1, 1, 3)).sum(axis=-1) + Tensor(np.where(mask, 0.0, -1e9))
print(np.allclose((s2.softmax(axis=-1).reshape(1, 4, 1) * keys2).sum(axis=1).data, context.data))
