"""The course ships in the wheel: built, installed outside the clone, started and checked there."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    (path,) = out.glob("microgradrnn-*.whl")
    return path


def test_wheel_holds_stubs_and_tests_but_no_solutions(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    stubs = [n for n in names if n.startswith("microgradrnn/_course/exercises/m")]
    tests = [n for n in names if n.startswith("microgradrnn/_course/tests/exercises/test_m")]
    assert len(stubs) == len(list((REPO / "exercises").glob("m[0-9][0-9]_*.py"))) > 0, stubs
    assert len(tests) == len(stubs), tests
    assert "microgradrnn/_course/tests/exercises/manifest.toml" in names
    assert not [n for n in names if "solutions" in n], "the reference solutions must not ship"


def test_installed_wheel_starts_and_checks_the_course(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    # --ignore-installed: a copy of the project already in the base interpreter's site-packages
    # (an editable install, say) would otherwise count as installed, and the venv would get none.
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=300)
    home = tmp_path / "learner"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MICROGRADRNN_TARGET")}
    where = subprocess.run([str(python), "-c", "import microgradrnn; print(microgradrnn.__file__)"],
                           cwd=home, env=env, capture_output=True, text=True, check=True)
    assert str(env_dir) in where.stdout, f"the wheel, not the clone, must be imported: {where.stdout}"

    start = subprocess.run([str(python), "-m", "microgradrnn", "start", "course"], cwd=home, env=env,
                           capture_output=True, text=True, timeout=60)
    assert start.returncode == 0, start.stdout + start.stderr
    assert (home / "course" / "exercises" / "m08_lstm.py").is_file()
    assert not (home / "course" / "solutions").exists()

    check = subprocess.run([str(python), "-m", "microgradrnn", "check", "8"], cwd=home / "course", env=env,
                           capture_output=True, text=True, timeout=300)
    out = check.stdout + check.stderr
    assert "m08_lstm" in out and "could not run" not in out and "Traceback" not in out, out
    assert check.returncode in (0, 1), out  # 1: exercises fail, as untouched stubs must
    assert " 0/" in out or "0 /" in out, out
