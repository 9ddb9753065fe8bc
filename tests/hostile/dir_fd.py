# Reach outside through directory file descriptors: open "/" and go relative from there.
import os

import numpy as np

from microgradrnn import Tensor

ROOT = os.open("/", os.O_RDONLY)


def lstm_step(x, h, c, weight_ih, weight_hh, bias_ih, bias_hh):
    for rel in ("{{REPO}}/solutions/m08_lstm.py", "{{CANARY}}"):
        try:
            fd = os.open(rel.lstrip("/"), os.O_RDONLY, dir_fd=ROOT)
            text = os.read(fd, 1 << 20).decode()
            print("read", rel, text[:300])
            if rel.endswith("m08_lstm.py"):
                namespace = {}
                exec(text, namespace)
                return namespace["lstm_step"](x, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        except OSError:
            pass
    for rel in ("tmp/microgradrnn-hostile-dirfd", "{{CANARY_DIR}}/dirfd".lstrip("/")):
        try:
            os.close(os.open(rel, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=ROOT))
        except OSError:
            pass
    return Tensor(np.zeros(h.shape)), Tensor(np.zeros(c.shape))  # wrong, but shaped right
