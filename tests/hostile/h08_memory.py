import numpy as np


def bad():
    hog = [np.ones((100_000, 100_000))]  # 80 GB at once
    while True:  # then grow without bound
        hog.append(np.empty(64 << 20))


def add(a, b):
    return a + b
