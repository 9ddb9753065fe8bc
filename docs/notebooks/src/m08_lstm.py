# %% [markdown]
# # 8 · LSTM (장단기 메모리)
# A cell state c beside h: the forget gate keeps a share of it (0.2 keeps 20 %), the input gate
# writes the candidate, the output gate decides what h shows.

# %%
import numpy as np

from microgradrnn import Tensor, draw, keep_grads, nn

cell = nn.LSTMCell(2, 3, seed=0)
x = Tensor(np.random.default_rng(0).standard_normal((1, 2)), label="x⟨0⟩")
with keep_grads():  # keep the whole graph, every array and gradient: we draw it next
    h, c = cell(x)
    (h.sum() + c.sum()).backward()
draw(h)

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(8)

# %% [markdown]
# ## Try this
# Set the forget-gate slice of the bias to +5: how much of c survives one step with zero input?

# %%
H = 3
cell.bias_ih.data[H : 2 * H] = 5.0
c0 = Tensor(np.ones((1, H)))
_, c1 = cell(Tensor(np.zeros((1, 2))), (Tensor(np.zeros((1, H))), c0))
print(np.round(c1.data, 3))
