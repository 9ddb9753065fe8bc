"""Which hints ``microgradrnn check`` has unlocked, kept in the learner's ``exercises/`` folder.

Hints unlock in order: the first run in which an exercise fails shows hint 1, a later run
in which it fails again shows hint 2 as well, and so on. An exercise whose stub is untouched
("not implemented yet") has not been tried, so it unlocks nothing. A pass changes nothing:
if the exercise breaks again later, the hints already earned are still shown.

The state is a small JSON file, ``exercises/.microgradrnn-check.json``::

    {"version": 1, "failed_runs": {"8.1": 2, "8.2": 1}}

It is only a convenience: a file that is missing, unreadable, corrupt or of another shape
counts as empty (entries that make no sense are dropped one by one), and a folder that
cannot be written to just means nothing is remembered. It is written atomically, so an
interrupted run never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

STATE_NAME = ".microgradrnn-check.json"
VERSION = 1
READ_CAP = 1 << 20  # bytes: a state file larger than this is not ours


class HintState:
    """Failed runs per exercise id, loaded from and saved to one file."""

    def __init__(self, path: Path, failed_runs: dict[str, int] | None = None) -> None:
        self.path = path
        self.failed_runs: dict[str, int] = dict(failed_runs or {})
        self.changed = False

    @classmethod
    def load(cls, folder: str | Path) -> HintState:
        """The state kept in ``folder`` (the learner's ``exercises/``), empty when there is none."""
        path = Path(folder) / STATE_NAME
        try:
            with open(path, "rb") as handle:
                raw = handle.read(READ_CAP + 1)
            data = json.loads(raw) if len(raw) <= READ_CAP else None
        except (OSError, ValueError, RecursionError):
            data = None
        runs = data.get("failed_runs") if isinstance(data, dict) else None
        if not isinstance(runs, dict):
            return cls(path)
        kept = {str(k): v for k, v in runs.items()
                if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1_000_000}
        return cls(path, kept)

    def unlocked(self, exercise_id: str) -> int:
        """How many hints of ``exercise_id`` are unlocked: its failed runs so far."""
        return self.failed_runs.get(exercise_id, 0)

    def failed(self, exercise_id: str) -> int:
        """Record one more failing run of ``exercise_id``; returns the hints now unlocked."""
        self.failed_runs[exercise_id] = self.unlocked(exercise_id) + 1
        self.changed = True
        return self.failed_runs[exercise_id]

    def save(self) -> bool:
        """Write the state atomically; False when the folder cannot be written to."""
        text = json.dumps({"version": VERSION, "failed_runs": dict(sorted(self.failed_runs.items()))},
                          indent=1)
        try:
            fd, tmp = tempfile.mkstemp(prefix=STATE_NAME + ".", suffix=".tmp", dir=self.path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        return True
