import json
import os

FAKE = json.dumps({"score": 1000, "tests": []})


def bad():
    written = []
    for path in (
        "results.json",
        "{{OUT}}",
        os.path.join(os.path.dirname("{{OUT}}"), "..", "results.json"),
        "{{REPO}}/HACKED_BY_SUBMISSION",
    ):
        try:
            with open(path, "w") as handle:
                handle.write(FAKE)
            written.append(path)
        except OSError:
            pass
    # Only the file in its own working folder may be written, and it means nothing.
    return 1.0 if any(path != "results.json" for path in written) else 0.0


def add(a, b):
    return a + b
