# %% [markdown]
# # 13 · Beyond recurrence (순환을 넘어서)
# Dot-product attention: a query scores every encoder state, softmax turns scores into weights,
# the context is the weighted sum. Every pair of positions is compared: O(N²).

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import Tensor, plot
from microgradrnn.functional import softmax

rng = np.random.default_rng(0)
states = rng.standard_normal((6, 4))  # six encoder states
query = states[2] + 0.1 * rng.standard_normal(4)  # close to state 2
weights = softmax(Tensor(states @ query), dim=-1).data
SVG(plot.bar_chart({f"s{i}": float(w) for i, w in enumerate(weights)}, title="Attention weights"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(13)

# %% [markdown]
# ## Try this
# Scale the scores by 1/√d before the softmax: do the weights get flatter or sharper?

# %%
print(np.round(softmax(Tensor(states @ query / 2.0), dim=-1).data, 3))
