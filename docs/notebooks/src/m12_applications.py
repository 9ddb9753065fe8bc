# %% [markdown]
# # 12 · Applications (응용)
# A next-character language model: an embedding, an LSTM and a linear head, trained for a few
# steps on the shipped text.

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import data, nn, optim, plot
from microgradrnn.functional import cross_entropy

text = data.load_text()[:5000]
chars = sorted(set(text))
ids = np.array([chars.index(ch) for ch in text])
V, H, T = len(chars), 32, 20
emb, lstm, head = nn.Embedding(V, 16, seed=0), nn.LSTM(16, H, seed=1), nn.Linear(H, V, seed=2)
params = emb.parameters() + lstm.parameters() + head.parameters()
opt = optim.Adam(params, lr=0.01)
rng = np.random.default_rng(0)
losses = []
for _ in range(40):
    starts = rng.integers(0, len(ids) - T - 1, size=8)
    x = np.stack([ids[s : s + T] for s in starts]).T  # (T, B)
    y = np.stack([ids[s + 1 : s + T + 1] for s in starts]).T
    out, _ = lstm(emb(x))
    loss = cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(float(loss.data))
SVG(plot.line_chart({"loss": losses}, title=f"Training loss (ln V = {np.log(V):.2f})", xlabel="step"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(12)

# %% [markdown]
# ## Try this
# Perplexity is exp(loss): how many characters is the model still "choosing between"?

# %%
print(f"perplexity {np.exp(losses[-1]):.1f} of {V} characters")
