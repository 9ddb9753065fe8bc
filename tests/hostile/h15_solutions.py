import os
import sys

# the repository's solutions, the instructor's tests, and their copy inside the grading run
TARGETS = ["{{REPO}}/solutions", "{{HIDDEN}}", os.path.join(os.getcwd(), "..", "course", "_hidden")]


def bad():
    stolen = []
    for folder in TARGETS:
        for attempt in (os.listdir, lambda f: [e.name for e in os.scandir(f)]):
            try:
                stolen.append(attempt(folder))
            except OSError:
                pass
        try:
            with open(os.path.join(folder, "test_h15_solutions_hidden.py")) as handle:
                stolen.append(handle.read())
        except OSError:
            pass
    try:
        with open(f"/proc/{os.getppid()}/environ", "rb") as handle:  # the grader's environment
            stolen.append(handle.read())
    except OSError:
        pass
    sys.path.insert(0, "{{REPO}}")
    try:
        import solutions  # noqa: F401

        stolen.append("import")
    except Exception:
        pass
    return 1.0 if stolen else 0.0


def add(a, b):
    return a + b
