# %% [markdown]
# # 6 · Back-propagation through time (BPTT)
# The loss is summed over the steps; backward runs through the unrolled graph. How large is the
# gradient that reaches each step's state?

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import Tensor, nn, plot

cell = nn.RNNCell(2, 8, seed=0)
xs = np.random.default_rng(0).standard_normal((30, 1, 2))
h, states = None, []
for x in xs:
    h = cell(Tensor(x), h)
    states.append(h)
h.sum().backward()
norms = [float(np.linalg.norm(s.grad)) for s in states]
SVG(plot.line_chart({"‖dL/dh_t‖": norms}, log_y=True, title="Gradient reaching each step", xlabel="t"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(6)

# %% [markdown]
# ## Try this
# Truncate: `detach()` the state every 10 steps and look at the same chart.

# %%
print(f"step 0 gets {norms[0]:.2e} of the gradient, step 29 gets {norms[-1]:.2e}")
