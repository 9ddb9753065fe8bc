# %% [markdown]
# # 4 · The RNN cell (순환 신경망)
# a⟨t⟩ = tanh(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a): the same weights at every step, so the model's size
# does not depend on the length of the sequence.

# %%
import numpy as np

from microgradrnn import Tensor, draw, nn, scope

cell = nn.RNNCell(3, 4, seed=0)
rng = np.random.default_rng(1)
h = None
outputs = []
for t in range(5):
    with scope(f"t={t}"):
        x = Tensor(rng.standard_normal((1, 3)), label=f"x⟨{t}⟩")
        h = cell(x, h)
        outputs.append(h)
draw(outputs, detail="cell")

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(4)

# %% [markdown]
# ## Try this
# Count the parameters of `cell`; does the count change if you unroll 500 steps instead of 5?

# %%
print(cell.num_parameters())
