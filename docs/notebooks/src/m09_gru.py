# %% [markdown]
# # 9 · GRU (게이트 순환 유닛)
# Two gates (reset r, update z) and a candidate n; no separate cell state, fewer parameters than an LSTM.

# %%
import numpy as np

from microgradrnn import Tensor, draw, keep_grads, nn

cell = nn.GRUCell(2, 3, seed=0)
with keep_grads():  # keep the whole graph, every array and gradient: we draw it next
    h = cell(Tensor(np.random.default_rng(0).standard_normal((1, 2)), label="x⟨0⟩"))
    h.sum().backward()
draw(h)

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(9)

# %% [markdown]
# ## Try this
# Parameters of a GRU and an LSTM of the same size: what is the ratio?

# %%
print(nn.GRUCell(32, 32).num_parameters(), nn.LSTMCell(32, 32).num_parameters())
