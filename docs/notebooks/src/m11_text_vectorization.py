# %% [markdown]
# # 11 · Text into numbers (텍스트 벡터화)
# Tokens, a vocabulary, one-hot vectors, the hashing trick and its collisions, learned embeddings.

# %%
from collections import Counter

from IPython.display import SVG

from microgradrnn import data, plot

text = data.load_text()
counts = Counter(text.lower())
top = dict(counts.most_common(12))
SVG(plot.bar_chart({repr(k): v for k, v in top.items()}, title="The 12 most common characters"))

# %% [markdown]
# ## Your exercises

# %%
from microgradrnn.grading import check

check(11)

# %% [markdown]
# ## Try this
# How many distinct words does the text hold, and how many share a bucket of a 1000-bucket hash?

# %%
import zlib

words = set(text.lower().split())
buckets = Counter(zlib.crc32(w.encode()) % 1000 for w in words)
print(len(words), "words;", sum(n for n in buckets.values() if n > 1), "share a bucket")
