import sys


def bad():
    sys.exit(0)


def add(a, b):
    return a + b
