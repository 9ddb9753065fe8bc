import ctypes


def bad():
    libc = ctypes.CDLL(None)  # a C library would let the code around every Python-level fence
    libc.system(b"touch /tmp/microgradrnn-hostile-ctypes")
    return 1.0


def add(a, b):
    return a + b
