# %% [markdown]
# # 3 · Tensors (텐서)
# The perceptron as `x @ W + b`: `b` is broadcast over the batch, so its gradient is summed back
# over the batch axis.

# %%
import numpy as np

from microgradrnn import Tensor, draw, keep_grads

rng = np.random.default_rng(0)
x = Tensor(rng.standard_normal((4, 3)), label="x")
W = Tensor(rng.standard_normal((3, 2)), requires_grad=True, label="W")
b = Tensor(np.zeros(2), requires_grad=True, label="b")
with keep_grads():  # keep the whole graph, every array and gradient: we draw it below
    out = (x @ W + b).tanh().sum()
    out.backward()
print("b.grad has b's shape:", b.grad.shape)
draw(out)

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(3)

# %% [markdown]
# ## Try this
# Is `W.grad` equal to `x.T @ (1 - tanh(xW + b)^2)`? Compute it with numpy and compare.

# %%
h = np.tanh(x.data @ W.data + b.data)
print(np.allclose(W.grad, x.data.T @ (1 - h**2)))
