import pytest


def bad():
    pytest.skip("nothing to see here")


def add(a, b):
    return a + b
