# %% [markdown]
# # 14 · LSTM and GRU backward by hand (역전파 직접 구현)
# Autograd fills the gradients of an LSTM over 12 steps; your numpy backward must find the same
# numbers. Each box is coloured by the size of the gradient of that step's hidden state.

# %%
import numpy as np

from microgradrnn import Tensor, draw, nn

lstm = nn.LSTM(2, 3, seed=0)
_, (h_n, c_n) = lstm(Tensor(np.random.default_rng(14).normal(size=(12, 1, 2))))
(0.5 * (h_n * h_n).sum()).backward(retain_graph=True)  # keep the graph: we draw it next
draw(h_n, detail="cell", grad_color=True)

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m14_lstm_gru_backward.py`, then run the cell.

# %%
from microgradrnn.grading import check

check(14)

# %% [markdown]
# ## Try this
# Along the cell path, d c_t / d c_{t-1} = f_t. With a loss on c_T alone and the input weights at
# zero, the gradient reaching c_0 is the product of the forget gates: check it with autograd.

# %%
cell = nn.LSTMCell(2, 3, seed=1)
cell.weight_hh.data[:] = 0.0
cell.bias_ih.data[3:6] = 2.0  # forget-gate bias: f = sigmoid(2 + ...)
c0 = Tensor(np.zeros((1, 3)), requires_grad=True)
state, forget = (Tensor(np.zeros((1, 3))), c0), []
for x_t in np.random.default_rng(2).normal(size=(20, 1, 2)):
    z = x_t @ cell.weight_ih.data.T + cell.bias_ih.data + cell.bias_hh.data
    forget.append(1 / (1 + np.exp(-z[:, 3:6])))
    state = cell(Tensor(x_t), state)
state[1].sum().backward()
print("autograd:", np.round(c0.grad, 6), " product of f_t:", np.round(np.prod(forget, axis=0), 6))
