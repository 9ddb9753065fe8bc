# %% [markdown]
# # 7 · Vanishing and exploding gradients (기울기 소실/폭발)
# Freshly initialised RNN, LSTM and GRU cells over 100 steps: how much of the gradient survives?

# %%
from IPython.display import SVG

from microgradrnn import plot
from microgradrnn.experiments.gradients import gradient_norms

result = gradient_norms(T=100, seed=0)
SVG(plot.line_chart({k: list(v) for k, v in result.norms.items()}, log_y=True,
                    title="‖dL/dh_t‖ over 100 steps", xlabel="t"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(7)

# %% [markdown]
# ## Try this
# How many orders of magnitude does each cell lose from the last step to the first?

# %%
import numpy as np

for name, norms in result.norms.items():
    print(f"{name}: {np.log10(norms[-1] / norms[0]):.1f} orders")
