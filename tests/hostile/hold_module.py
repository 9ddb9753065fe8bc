# Loop forever, ignore signals, spawn a looping child in a new session: the module still ends
# at its wall-clock limit and nothing is left running.
import os
import signal


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
    while True:
        pass
