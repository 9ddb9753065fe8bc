# Text that breaks writers: lone surrogates, control characters, escape sequences, megabytes.
import sys

NASTY = "\udcff\ud800 \x00\x1b[31mred\x1b[0m \x07\x08 \u202e"


class Odd:
    def __repr__(self):
        return NASTY * 3


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    sys.stdout.write(NASTY * 10 + "\n")
    raise ValueError(NASTY)


def gate_slice(weight, gate):
    print(("spam " * 200 + NASTY + "\n") * 5000)  # about 5 MB
    return Odd()


def forget_gate_bias(b_ih, b_hh, value=1.0):
    raise KeyError(NASTY.encode("utf-8", "surrogateescape"))
