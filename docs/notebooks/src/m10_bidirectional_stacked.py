# %% [markdown]
# # 10 · Bidirectional, stacked and regularised RNNs (양방향·다층 RNN)
# A bidirectional layer reads the sequence both ways and concatenates the two states.

# %%
import numpy as np

from microgradrnn import Tensor, draw, nn

lstm = nn.LSTM(2, 3, bidirectional=True, seed=0)
x = Tensor(np.random.default_rng(0).standard_normal((4, 1, 2)))
output, (h_n, c_n) = lstm(x)
print("output:", output.shape, "(T, B, 2H)")
draw(output, detail="cell")

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(10)

# %% [markdown]
# ## Try this
# The backward direction's final state is at output[0], not output[-1]: check it.

# %%
print(np.allclose(h_n.data[1], output.data[0, :, 3:]))
