# Make the runner impossible to stop: no os._exit, no sys.exit, an endless atexit handler,
# SIGTERM ignored, a non-daemon thread that never ends, a child that setsid()s away.
import atexit
import os
import signal
import sys
import threading
import time

os._exit = lambda code=0: None
sys.exit = lambda code=0: None
signal.signal(signal.SIGTERM, signal.SIG_IGN)
atexit.register(lambda: time.sleep(10_000))
threading.Thread(target=lambda: time.sleep(10_000), daemon=False).start()
if os.fork() == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1)
