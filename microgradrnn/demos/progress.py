"""A progress bar with the running loss, on stderr, with no dependency.

On a terminal the bar is redrawn in place (``\\r``) at most ten times a second; when
stderr is a file or a pipe (a log, CI) it prints a plain line about ten times per run
instead, so logs stay short and readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``bar(step, loss)`` after every training step; ``close()`` at the end.

    Args:
        total: the number of steps expected.
        desc: a short name shown before the bar.
        stream: where to write (stderr by default).
        window: the running loss is the mean of the last ``window`` losses.
        width: characters of the bar itself.
    """

    def __init__(self, total: int, desc: str = "", stream: TextIO | None = None, window: int = 50,
                 width: int = 24):
        self.total, self.desc, self.window, self.width = max(int(total), 1), desc, window, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = max(1, self.total // 10)
        self.recent: list[float] = []
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0

    @property
    def running_loss(self) -> float:
        """Mean of the last ``window`` losses (nan before the first)."""
        return sum(self.recent) / len(self.recent) if self.recent else float("nan")

    def line(self) -> str:
        """The current state as one line: name, bar, steps, running loss, elapsed time."""
        frac = min(self.done / self.total, 1.0)
        filled = int(round(frac * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.perf_counter() - self.start
        rate = f"{self.done / elapsed:.1f} steps/s" if elapsed > 0 and self.done else ""
        return (f"{self.desc} [{bar}] {self.done}/{self.total} loss {self.running_loss:.4f} "
                f"{elapsed:.0f}s {rate}").strip()

    def __call__(self, step: int, loss: float) -> None:
        self.done = step + 1
        self.recent.append(float(loss))
        if len(self.recent) > self.window:
            del self.recent[0]
        if self.tty:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1 or self.done >= self.total:
                self._last_draw = now
                self.stream.write("\r" + self.line() + "\033[K")
                self.stream.flush()
        elif self.done % self.every == 0 or self.done == self.total:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Finish the bar (a newline on a terminal)."""
        if self.tty:
            self.stream.write("\r" + self.line() + "\033[K\n")
            self.stream.flush()
