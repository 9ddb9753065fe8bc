def bad():
    return 0.0


def add(a, b):
    return a + b
