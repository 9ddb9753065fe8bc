import ctypes


def bad():
    ctypes.string_at(0)  # reads address 0: SIGSEGV
    return 1.0


def add(a, b):
    return a + b
