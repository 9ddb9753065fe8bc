# %% [markdown]
# # 9 · GRU (게이트 순환 유닛)
# Two gates (reset r, update z) and a candidate n; no separate cell state, fewer parameters than an LSTM.

# %%
import numpy as np

from microgradrnn import Tensor, draw, nn

cell = nn.GRUCell(2, 3, seed=0)
h = cell(Tensor(np.random.default_rng(0).standard_normal((1, 2)), label="x⟨0⟩"))
h.sum().backward(retain_graph=True)  # keep the graph: we draw it next
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
