# Write outside the sandbox: over results.json, into the repository, into the host's /tmp.
import os
import shutil

FAKE = '{"score": 1000, "tests": []}'
TARGETS = ["{{OUT}}", "{{REPO}}/HACKED_BY_SUBMISSION", "{{CANARY_DIR}}/written",
           "/tmp/microgradrnn-hostile-write", "/dev/shm/microgradrnn-hostile-write",
           "{{REPO}}/solutions/m08_lstm.py"]


def lstm_param_count(input_size, hidden_size, num_layers=1, bidirectional=False):
    for path in TARGETS:
        for attempt in (lambda p: open(p, "w").write(FAKE),
                        lambda p: os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o644)),
                        lambda p: shutil.copyfile(__file__, p)):
            try:
                attempt(path)
            except OSError:
                pass
    return 0
