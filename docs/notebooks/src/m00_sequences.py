# %% [markdown]
# # 0 · Sequence data and time series (시계열)
# A series is trend (추세) + seasonality (계절성) + cycle (주기) + irregularity (불규칙성).
# "Use days 1-5 to predict day 6": a window of past values and the value that follows.

# %%
import numpy as np
from IPython.display import SVG

from microgradrnn import data, plot

parts = data.synthetic_series(240, seed=0)
series = parts.series
SVG(plot.line_chart({"series": series, "trend": parts.trend, "seasonal": parts.seasonal},
                    title="A synthetic series and two of its parts", xlabel="t"))

# %% [markdown]
# Windows of 5 days and the day that follows: each row of `X` is a history, `y` what came next.

# %%
window = 5
X = np.stack([series[i : i + window] for i in range(len(series) - window)])
y = series[window:]
print(X.shape, y.shape)
print("days 1-5:", np.round(X[0], 2), "-> day 6:", round(float(y[0]), 2))

# %% [markdown]
# ## Your exercises
# Write them in `exercises/m00_sequences.py`, then run the cell: it prints the same scoreboard as
# `microgradrnn check 0`.

# %%
from microgradrnn.grading import check

check(0)

# %% [markdown]
# ## Try this
# A least-squares AR(1) fit of this series (the next value from the last one): how close to 1 is
# its coefficient, and what does that say about stationarity (정상성)?

# %%
phi = np.linalg.lstsq(series[:-1, None], series[1:], rcond=None)[0][0]
print(f"AR(1) coefficient: {phi:.3f}")
