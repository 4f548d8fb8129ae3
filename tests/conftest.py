"""Shared fixtures: each lesson script loaded as a module, and ways to run it as a command."""

import importlib.util
import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON_DIR = os.path.join(REPO_ROOT, "lesson3")
SCRIPTS = {
    name: os.path.join(LESSON_DIR, name + ".py")
    for name in ("nn_layers_others", "beyond_the_article", "article_claims")
}
SCRIPT = SCRIPTS["nn_layers_others"]
sys.path[:0] = [REPO_ROOT, LESSON_DIR]

os.environ["MPLBACKEND"] = "Agg"  # headless, in this process and in every subprocess


def load_script(name):
    """lesson3/<name>.py imported as a module, so that its sections run in-process."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS[name])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def lesson():
    return load_script("nn_layers_others")


@pytest.fixture(scope="session")
def beyond():
    return load_script("beyond_the_article")


@pytest.fixture(scope="session")
def claims():
    return load_script("article_claims")


def main_runner(module, tmp_path, monkeypatch, capsys):
    """Call a script's main() from a folder outside the repository; return (code, out, err)."""

    def run(*args, out_dir=None):
        workdir = tmp_path / "elsewhere"
        workdir.mkdir(exist_ok=True)
        monkeypatch.chdir(workdir)
        out_dir = out_dir or tmp_path / "figures"
        code = module.run_cli(module.main, [*args, "--out", str(out_dir), "--no-show"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def run_main(lesson, tmp_path, monkeypatch, capsys):
    return main_runner(lesson, tmp_path, monkeypatch, capsys)


@pytest.fixture
def run_beyond(beyond, tmp_path, monkeypatch, capsys):
    return main_runner(beyond, tmp_path, monkeypatch, capsys)


@pytest.fixture
def run_claims(claims, tmp_path, monkeypatch, capsys):
    return main_runner(claims, tmp_path, monkeypatch, capsys)


def saved_figures(folder):
    """The names of the files in ``folder``; an empty set where it was never created."""
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def run_script(*args, cwd, script=SCRIPT, timeout=120, env=None):
    """Run a script as a learner would, in a subprocess; return the CompletedProcess."""
    base = {key: value for key, value in os.environ.items() if key != "DISPLAY"}  # headless
    env = {**base, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
