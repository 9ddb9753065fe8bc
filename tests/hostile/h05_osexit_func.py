import os


def bad():
    os._exit(0)


def add(a, b):
    return a + b
