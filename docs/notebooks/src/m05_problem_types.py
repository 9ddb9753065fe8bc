# %% [markdown]
# # 5 · Problem types (문제 유형)
# Many-to-one reads the whole sequence and answers once ("I love eating ⇒ pizza");
# many-to-many answers at every step (a tag per word).

# %%
import numpy as np

from microgradrnn import Tensor, draw, nn

rnn = nn.RNN(3, 4, batch_first=True, seed=0)
head = nn.Linear(4, 2, seed=1)
x = Tensor(np.random.default_rng(0).standard_normal((1, 6, 3)))
output, h_n = rnn(x)
logits = head(h_n[-1])  # many-to-one: one answer from the last state
print("one answer:", logits.shape, " an answer per step:", head(output).shape)
draw(logits, detail="cell")

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(5)

# %% [markdown]
# ## Try this
# Feed the model's chosen token (a one-hot) back as the next input for 5 steps: a one-to-many generator.

# %%
h = None
token = np.eye(3)[[0]]
cell = nn.RNNCell(3, 4, seed=2)
out = nn.Linear(4, 3, seed=3)
for _ in range(5):
    h = cell(Tensor(token), h)
    token = np.eye(3)[[int(out(h).data.argmax())]]
    print(int(token.argmax()), end=" ")
