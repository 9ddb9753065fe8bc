# Every way for the runner to die mid-call: os._exit, a segmentation fault, sys.exit, memory.
import ctypes
import os
import sys

import numpy as np


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    os._exit(0)


def forget_gate_bias(b_ih, b_hh, value=1.0):
    ctypes.string_at(0)  # reads address 0: SIGSEGV


def lstm_param_count(input_size, hidden_size, num_layers=1, bidirectional=False):
    if num_layers == 1:
        sys.exit(0)
    hog = [np.ones((100_000, 100_000))]  # 80 GB at once
    return len(hog)
