"""What every training demo returns, and how it is written to disk."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from microgradrnn.nn import Module
from microgradrnn.plot import line_chart, save_svg
from microgradrnn.training import smooth

__all__ = ["Result"]


@dataclass
class Result:
    """A trained demo model with its training curve and final numbers.

    Attributes:
        demo: the demo's name ("charlm", "sine", ...).
        losses: the training loss after every step, shape (steps,).
        metrics: final numbers by name (accuracies as fractions, MSEs, losses in nats).
        summary: the same numbers as sentences, for printing.
        model: the trained model.
        samples: generated text (charlm only).
        charts: extra pictures, file name -> SVG text (the loss curve is :meth:`chart`).
        seconds: wall-clock training time.
    """

    demo: str
    losses: np.ndarray
    metrics: dict[str, float]
    summary: list[str]
    model: Module = field(repr=False)
    samples: list[str] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    def chart(self) -> str:
        """SVG: the loss at every step and its running mean over 50 steps."""
        return line_chart(
            {"loss per step": self.losses, "mean of last 50": smooth(self.losses, 50)},
            title=f"microgradrnn train {self.demo}: training loss",
            xlabel="step",
            ylabel="loss",
            log_y=bool(len(self.losses)) and bool(np.all(self.losses > 0)),
        )

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write ``loss.svg``, the extra charts, ``samples.txt``, ``metrics.json`` and ``model.npz``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [save_svg(self.chart(), out / "loss.svg")]
        paths += [save_svg(svg, out / name) for name, svg in self.charts.items()]
        if self.samples:
            path = out / "samples.txt"
            path.write_text("\n\n----------\n\n".join(self.samples) + "\n", encoding="utf-8")
            paths.append(path)
        path = out / "metrics.json"
        record = {"demo": self.demo, "steps": len(self.losses), "seconds": round(self.seconds, 3)}
        record.update(self.metrics)
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
        path = out / "model.npz"
        self.model.save(path)
        paths.append(path)
        return paths
