"""The judge's report: a pytest plugin that writes one JSON line per test for the grader.

Loaded into the judge process (``pytest -p microgradrnn.grading.report``), which never imports
submitted code, so nothing here needs protecting from the submission: the learner's code runs
in the runner and only its plain-data answers reach this process. ``$MICROGRADRNN_REPORT``
names the file to write. Records:

- ``{"kind": "collected", "nodeids": [...]}`` once collection has finished;
- ``{"kind": "collect_error", "nodeid", "detail"}`` for a test file that could not be collected;
- ``{"kind": "result", "nodeid", "outcome", "reason", "detail", "output", "import_error"}`` per test,
  ``outcome`` being ``passed`` only when setup, call and teardown all passed.
"""

from __future__ import annotations

import json
import os

REASON_CAP = 1000  # characters of a failure reason
DETAIL_CAP = 6000  # characters of pytest's report for the instructor
OUTPUT_CAP = 4000  # characters of what the learner's code printed


def _cap(text: str, cap: int, keep_end: bool = False) -> str:
    if len(text) <= cap:
        return text
    cut = len(text) - cap
    if keep_end:
        return f"[... {cut} characters cut ...]\n" + text[-cap:]
    return text[:cap] + f" [... {cut} more]"


def describe(excinfo) -> tuple[str, bool]:  # noqa: ANN001 - pytest's ExceptionInfo
    """The reason a test failed in a line or two, and whether importing the exercise file failed."""
    exc = excinfo.value
    name = type(exc).__name__
    message = str(exc).strip()
    at_import = bool(getattr(exc, "at_import", False))
    if name in ("LearnerError", "LearnerTimeout", "LearnerCrash"):
        reason = "\n".join(message.splitlines()[:2]) or name
    elif isinstance(exc, AssertionError):
        # pytest appends its rewritten `assert ...` explanation after the test's own message
        head = message.split("\nassert ", 1)[0].strip()
        if head.startswith("assert "):
            head = ""
        first = message.splitlines()[0] if message else ""
        reason = "\n".join(head.splitlines()[:2]) if head else f"assertion failed: {first}".rstrip(": ")
    elif name == "Skipped":
        reason = f"skipped: {message}" if message else "skipped"
    elif name == "XFailed":
        reason = f"marked as expected to fail: {message}"
    else:
        first = message.splitlines()[0] if message else ""
        reason = f"{name}: {first}" if first else name
    return _cap(reason, REASON_CAP), at_import


class Report:
    """Collects each test's phases and writes its record after teardown."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole session
        self._tests: dict[str, dict] = {}

    def _write(self, record: dict) -> None:
        self._file.write(json.dumps(record, ensure_ascii=True) + "\n")
        self._file.flush()

    def pytest_collectreport(self, report) -> None:  # noqa: ANN001
        if report.failed:
            self._write({"kind": "collect_error", "nodeid": report.nodeid,
                         "detail": _cap(str(report.longreprtext), DETAIL_CAP, keep_end=True)})

    def pytest_collection_finish(self, session) -> None:  # noqa: ANN001
        self._write({"kind": "collected", "nodeids": [item.nodeid for item in session.items]})

    def pytest_runtest_makereport(self, item, call):  # noqa: ANN001
        state = self._tests.setdefault(item.nodeid, {"outcome": "passed", "reason": "", "detail": "",
                                                     "import_error": False})
        if call.excinfo is not None and state["outcome"] == "passed" and "pending" not in state:
            state["pending"] = (call.when, *describe(call.excinfo))

    def pytest_runtest_logreport(self, report) -> None:  # noqa: ANN001
        state = self._tests.setdefault(report.nodeid, {"outcome": "passed", "reason": "", "detail": "",
                                                       "import_error": False})
        xfail = hasattr(report, "wasxfail")  # expected failures and unexpected passes earn nothing
        if state["outcome"] == "passed" and (not report.passed or xfail):
            pending = state.pop("pending", None)
            state["outcome"] = "failed" if report.failed and not xfail else "skipped"
            if pending is not None and pending[0] == report.when:
                state["reason"], state["import_error"] = pending[1], pending[2]
            else:
                state["reason"] = "marked as expected to fail" if xfail else report.outcome
            if report.when != "call" and not state["import_error"]:
                state["reason"] = f"in test {report.when}: {state['reason']}"
            state["detail"] = _cap(str(report.longreprtext), DETAIL_CAP, keep_end=True)
        if report.when == "teardown":
            output = "".join(str(v) for k, v in report.user_properties if k == "learner_output")
            self._write({"kind": "result", "nodeid": report.nodeid, "outcome": state["outcome"],
                         "reason": state["reason"], "detail": state["detail"],
                         "import_error": state["import_error"], "output": _cap(output, OUTPUT_CAP)})
            self._tests.pop(report.nodeid, None)

    def pytest_sessionfinish(self, session, exitstatus) -> None:  # noqa: ANN001
        self._write({"kind": "finish", "exitstatus": int(exitstatus)})
        self._file.close()


def pytest_configure(config) -> None:  # noqa: ANN001
    path = os.environ.get("MICROGRADRNN_REPORT")
    if path:
        config.pluginmanager.register(Report(path), "microgradrnn-report")
