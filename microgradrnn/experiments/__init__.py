"""The classic experiments of the course, each a function that returns numbers and draws a chart.

Defaults are sized to run in seconds (the docs call them when the site is built); every
function takes a ``seed`` and gives identical numbers for identical arguments. Each result
has a ``chart()`` method returning SVG text (:mod:`microgradrnn.plot`).

- :func:`gradient_norms`: ``||dL/dh_t||`` at every step of a long sequence, tanh RNN vs
  LSTM (forget bias 1) vs GRU: vanishing gradients.
- :func:`exploding_gradients`: a tanh RNN with a large recurrent weight trained with and
  without ``clip_grad_norm_``.
- :func:`adding_experiment`: the adding problem; LSTM and GRU beat the 1/6 baseline MSE,
  a tanh RNN does not (the default ``T=50``, 1000 steps per cell, takes a minute or two).
- :func:`tagging_experiment`: a bidirectional part-of-speech tagger against a
  one-directional one, scored on the words whose tag depends on context.
- :func:`forecasting_experiment`: a recurrent forecaster against least-squares AR(p).
"""

from microgradrnn.experiments.adding import (
    BASELINE_MSE,
    AddingResult,
    AddingRun,
    adding_experiment,
    train_adding,
)
from microgradrnn.experiments.forecasting import ForecastResult, ar_fit, ar_predict, forecasting_experiment
from microgradrnn.experiments.gradients import (
    ExplodingResult,
    GradientNormResult,
    exploding_gradients,
    gradient_norms,
)
from microgradrnn.experiments.tagging import TaggerRun, TaggingResult, tag, tagging_experiment, train_tagger

__all__ = [
    "BASELINE_MSE",
    "AddingResult",
    "AddingRun",
    "ExplodingResult",
    "ForecastResult",
    "GradientNormResult",
    "TaggerRun",
    "TaggingResult",
    "adding_experiment",
    "ar_fit",
    "ar_predict",
    "exploding_gradients",
    "forecasting_experiment",
    "gradient_norms",
    "tag",
    "tagging_experiment",
    "train_adding",
    "train_tagger",
]
