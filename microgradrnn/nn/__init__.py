"""Layers in PyTorch's names: ``Module``, ``Parameter``, ``Linear``, ``Embedding``, ``Dropout``,
the recurrent cells (tensor and scalar) and the sequence layers ``RNN``, ``LSTM``, ``GRU``.

>>> from microgradrnn import nn
>>> lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, seed=0)
>>> [name for name, _ in lstm.named_parameters()][:4]
['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
"""

from microgradrnn.nn.cells import GRUCell, LSTMCell, RNNCell, gru_cell, lstm_cell, rnn_cell
from microgradrnn.nn.kinds import KINDS, Kind
from microgradrnn.nn.layers import CrossEntropyLoss, Dropout, MSELoss
from microgradrnn.nn.linear import Embedding, Linear
from microgradrnn.nn.module import Module, Parameter
from microgradrnn.nn.recurrent import GRU, LSTM, RNN, RNNBase
from microgradrnn.nn.scalar_cells import ScalarGRUCell, ScalarLSTMCell, ScalarRNNCell

__all__ = [
    "GRU",
    "GRUCell",
    "KINDS",
    "Kind",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNBase",
    "RNNCell",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Linear",
    "MSELoss",
    "Module",
    "Parameter",
    "ScalarGRUCell",
    "ScalarLSTMCell",
    "ScalarRNNCell",
    "gru_cell",
    "lstm_cell",
    "rnn_cell",
]
