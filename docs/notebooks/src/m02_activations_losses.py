# %% [markdown]
# # 2 · Activations and losses (활성화 함수와 손실 함수)
# sigmoid' is at most 1/4, tanh' at most 1: the factor each step of a recurrent network multiplies
# its gradient by.

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import Tensor, plot

z = np.linspace(-6, 6, 121)
t = Tensor(z, requires_grad=True)
t.sigmoid().sum().backward()
d_sigmoid = t.grad.copy()
t = Tensor(z, requires_grad=True)
t.tanh().sum().backward()
SVG(plot.line_chart({"sigmoid'": d_sigmoid, "tanh'": t.grad}, x=z, title="Derivatives", xlabel="z"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(2)

# %% [markdown]
# ## Try this
# The largest value of each derivative: is it where you expect?

# %%
print(f"max sigmoid' = {d_sigmoid.max():.4f} at z = {z[d_sigmoid.argmax()]:.1f}")
print(f"max tanh' = {t.grad.max():.4f} at z = {z[t.grad.argmax()]:.1f}")
