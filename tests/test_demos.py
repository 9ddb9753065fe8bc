"""The training demos: the command line end to end at tiny sizes, progress bar, determinism."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from microgradrnn.cli import main
from microgradrnn.demos import DEMOS, ProgressBar, run_demo, sample, train_charlm, train_sine, vocabulary

TINY = {
    "charlm": ["--steps", "3", "--hidden", "16", "--samples", "1", "--sample-length", "20",
               "--temperature", "0.5"],
    "sine": ["--steps", "3", "--hidden", "8", "--length", "20"],
    "adding": ["--steps", "3", "--hidden", "8", "--length", "10"],
    "pos": ["--steps", "3", "--hidden", "8"],
    "sentiment": ["--steps", "3", "--hidden", "8"],
}


@pytest.mark.parametrize("demo", sorted(DEMOS))
def test_train_command_runs_end_to_end_and_writes_results(demo, tmp_path, capsys):
    out = tmp_path / demo
    assert main(["train", demo, "--seed", "1", "--out", str(out), *TINY[demo]]) == 0
    captured = capsys.readouterr()
    assert "3/3 loss" in captured.err, f"expected a progress line on stderr, got {captured.err!r}"
    assert f"{demo}: 3 steps" in captured.out
    svg = (out / "loss.svg").read_text()
    assert svg.startswith("<svg") and "training loss" in svg
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["demo"] == demo and metrics["steps"] == 3
    assert all(isinstance(v, (int, float, str)) for v in metrics.values())
    with np.load(out / "model.npz") as weights:
        assert len(weights.files) > 0
    if demo == "charlm":
        assert "--- sample 1 (temperature 0.5) ---" in captured.out
        assert (out / "samples.txt").read_text().startswith("MACBETH.\n")


def test_train_command_default_output_folder_is_out_demo(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "sine", *TINY["sine"]]) == 0
    assert (tmp_path / "out" / "sine" / "loss.svg").is_file()


def test_train_command_warns_about_options_the_demo_does_not_use(tmp_path, capsys):
    assert main(["train", "sine", "--temperature", "2", "--out", str(tmp_path), *TINY["sine"]]) == 0
    assert "ignoring option(s) it does not use: --temperature" in capsys.readouterr().err


def test_demos_are_deterministic_for_a_seed():
    a = train_sine(steps=4, seed=7, hidden_size=8, length=20)
    b = train_sine(steps=4, seed=7, hidden_size=8, length=20)
    c = train_sine(steps=4, seed=8, hidden_size=8, length=20)
    assert np.array_equal(a.losses, b.losses) and a.metrics == b.metrics
    assert not np.array_equal(a.losses, c.losses)


def test_charlm_starts_near_ln_vocabulary_and_samples_reproducibly():
    r = train_charlm(steps=2, hidden_size=16, num_samples=2, sample_length=30, seed=0)
    chars = vocabulary()
    assert math.isclose(r.metrics["uniform_loss"], math.log(len(chars)))
    assert abs(r.losses[0] - math.log(len(chars))) < 0.3, (
        f"expected a first loss near ln {len(chars)}, got {r.losses[0]:.3f}"
    )
    assert len(r.samples) == 2 and all(len(s) == len("MACBETH.\n") + 30 for s in r.samples)
    assert set("".join(r.samples)) <= set(chars)
    greedy = [sample(r.model, chars, 15, temperature=0.0, prompt="A", seed=s) for s in (1, 2)]
    assert greedy[0] == greedy[1], "temperature 0 must not depend on the seed"
    assert sample(r.model, chars, 15, 1.0, "A", seed=3) == sample(r.model, chars, 15, 1.0, "A", seed=3)
    with pytest.raises(ValueError, match="unknown"):
        sample(r.model, "abc", 5, prompt="z")
    with pytest.raises(ValueError, match="temperature"):
        sample(r.model, "abc", 5, temperature=-1.0, prompt="a")


def test_progress_bar_prints_about_ten_lines_when_not_a_terminal():
    stream = io.StringIO()
    bar = ProgressBar(100, desc="demo", stream=stream, window=10)
    for step in range(100):
        bar(step, float(step))
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in stream.getvalue()
    assert lines[-1].startswith("demo [" + "#" * 24 + "] 100/100 loss 94.5000")


def test_progress_bar_redraws_in_place_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = ProgressBar(3, desc="tty", stream=stream)
    for step in range(3):
        bar(step, 1.0)
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert "3/3 loss 1.0000" in text


def test_run_demo_rejects_unknown_demos_and_options():
    with pytest.raises(ValueError, match="unknown demo"):
        run_demo("weather")
    with pytest.raises(TypeError, match="temperature"):
        run_demo("sine", progress=False, temperature=1.0)


@pytest.mark.parametrize("demo", ["pos", "sentiment"])
def test_epoch_based_demos_plan_the_progress_bar_total_exactly(demo, tmp_path, capsys):
    assert main(["train", demo, "--epochs", "1", "--hidden", "8", "--out", str(tmp_path)]) == 0
    steps = json.loads((tmp_path / "metrics.json").read_text())["steps"]
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert f" {steps}/{steps} loss" in last, f"expected the bar to end at {steps}/{steps}, got {last!r}"


def test_train_command_rejects_bad_values_before_training(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "sine", "--steps", "0"])
    assert "must be a positive integer" in capsys.readouterr().err
    assert main(["train", "charlm", "--prompt", "\u20ac", "--out", str(tmp_path)]) == 2
    assert "unknown: ['\u20ac']" in capsys.readouterr().err
    assert not (tmp_path / "loss.svg").exists()
