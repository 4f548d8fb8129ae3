"""Shared fixtures: the lesson script loaded as a module, and a way to run it as a command."""

import importlib.util
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, "lesson3", "nn_layers_others.py")
sys.path.insert(0, REPO_ROOT)

os.environ["MPLBACKEND"] = "Agg"  # headless, in this process and in every subprocess


@pytest.fixture(scope="session")
def lesson():
    """lesson3/nn_layers_others.py imported as a module, so its sections run in-process."""
    spec = importlib.util.spec_from_file_location("nn_layers_others", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run_main(lesson, tmp_path, monkeypatch, capsys):
    """Call the script's main() from a folder outside the repository; return (code, out, err)."""

    def run(*args, out_dir=None):
        workdir = tmp_path / "elsewhere"
        workdir.mkdir(exist_ok=True)
        monkeypatch.chdir(workdir)
        out_dir = out_dir or tmp_path / "figures"
        code = lesson.run_cli(lesson.main, [*args, "--out", str(out_dir), "--no-show"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def run_script(*args, cwd, timeout=120):
    """Run the script as a learner would, in a subprocess; return the CompletedProcess."""
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    env.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
