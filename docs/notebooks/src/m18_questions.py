# %% [markdown]
# # 18 · Conceptual questions (개념 문제)
# Short questions on the core track, answered by functions and checked against the library.
# One fact behind several of them: the slopes of the activations, found by autograd.

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import Tensor, plot

a = np.linspace(-6, 6, 241)
slopes = {}
for name in ("sigmoid", "tanh"):
    x = Tensor(a, requires_grad=True)
    getattr(x, name)().sum().backward()
    slopes[name + "'"] = list(x.grad)
    print(f"max {name}' = {x.grad.max():.4f}")
SVG(plot.line_chart(slopes, x=list(a), xlabel="a", title="the slope of each activation"))

# %% [markdown]
# ## Your answers
# Write them in `exercises/m18_questions.py`, then run the cell.

# %%
from microgradrnn.grading import check

check(18)

# %% [markdown]
# ## Try this
# Keras against PyTorch: count the parameters of an LSTM with 32 units on 32 features both ways.

# %%
from microgradrnn import nn

print("PyTorch:", nn.LSTMCell(32, 32).num_parameters(),
      " Keras (one bias):", nn.LSTMCell(32, 32, bias=False).num_parameters() + 4 * 32)
