# %% [markdown]
# # 1 · Scalar autograd (자동 미분)
# A `Value` remembers how it was made; `backward()` walks the graph in reverse topological order
# and applies the chain rule. A node used twice gets the sum of both gradients.

# %%
from microgradrnn import Value, draw

x = Value(2.0, label="x")
y = x * x + x  # x feeds two different operations
y.label = "y"
y.backward()
print("dy/dx =", x.grad, "(2x + 1 = 5)")
draw(y)

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m01_scalar_autograd.py`, then run the cell (the same scoreboard as
# `microgradrnn check 1`).

# %%
from microgradrnn.grading import check

check(1)

# %% [markdown]
# ## Try this
# Call `backward()` a second time without zeroing: what is `x.grad` now, and why?

# %%
y.backward()
print(x.grad)
