# %% [markdown]
# # 16 · Perplexity (퍼플렉서티)
# exp of the mean per-token NLL. A fresh character model is close to a uniform guess: its loss is
# near ln V and its perplexity near V. Here is a small model learning, measured on held-out text.

# %%
import math

import numpy as np
from IPython.display import SVG

from microgradrnn import plot
from microgradrnn.data import load_text
from microgradrnn.experiments.models import CharLM
from microgradrnn.functional import cross_entropy
from microgradrnn.graph import no_grad
from microgradrnn.optim import Adam

text = load_text()[:30_000]
chars = sorted(set(text))
ids, V = np.array([chars.index(c) for c in text]), len(chars)
held_out = np.stack([ids[s : s + 65] for s in range(25_000, 29_000, 500)])
model = CharLM(V, 16, 32, seed=16)
optimizer, rng = Adam(model.parameters(), lr=0.01), np.random.default_rng(16)


def loss_of(batch):
    scores, _ = model(batch[:, :-1])
    return cross_entropy(scores.reshape(-1, V), batch[:, 1:].reshape(-1))


ppl = []
for step in range(61):
    if step % 10 == 0:
        with no_grad():
            ppl.append(math.exp(float(loss_of(held_out).data)))
    loss = loss_of(np.stack([ids[s : s + 65] for s in rng.integers(0, 24_000, 16)]))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"V = {V}, ln V = {math.log(V):.3f}, first perplexity {ppl[0]:.1f}")
SVG(plot.line_chart({"perplexity": ppl, "V": [V] * len(ppl)}, x=list(range(0, 61, 10)), xlabel="step"))

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m16_perplexity.py`, then run the cell.

# %%
from microgradrnn.grading import check

check(16)

# %% [markdown]
# ## Try this
# Average the NLL over B * T positions, padding included (as if the pads were predicted
# perfectly, NLL 0): how far off is the perplexity of a batch that is half padding?

# %%
nll = np.full((2, 10), math.log(V))
mask = np.ones((2, 10), dtype=bool)
mask[1, 5:] = False
print("masked:", math.exp(nll[mask].mean()), " padding as 0:", math.exp((nll * mask).mean()))
