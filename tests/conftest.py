"""Shared fixtures: each lesson script loaded as a module, and ways to run it as a command."""

import importlib.util
import os
import re
import subprocess
import sys

# One thread for torch, here and in every subprocess the tests start: on a busy 2-core machine a
# full thread pool per process makes the suite several times slower. Set before torch loads;
# tests/test_threads.py checks that the scripts print the same lines with 1 and 16 threads.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MPLBACKEND"] = "Agg"  # headless, in this process and in every subprocess

import pytest
import torch

torch.set_num_threads(1)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON_DIR = os.path.join(REPO_ROOT, "lesson3")
sys.path[:0] = [REPO_ROOT, LESSON_DIR]

from lesson_cli import LESSON_SCRIPTS
from lesson_cli.console import run_cli

SCRIPTS = {name: os.path.join(LESSON_DIR, name + ".py") for name in LESSON_SCRIPTS}
SCRIPT = SCRIPTS["nn_layers_others"]


def load_module(path, name=None):
    """The Python file at ``path`` imported as a module (scripts are not packages)."""
    name = name or os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_script(name):
    """lesson3/<name>.py imported as a module, so that its sections run in-process."""
    return load_module(SCRIPTS[name], name)


@pytest.fixture(scope="session")
def lesson():
    return load_script("nn_layers_others")


@pytest.fixture(scope="session")
def beyond():
    return load_script("beyond_the_article")


@pytest.fixture(scope="session")
def claims_pooling():
    return CLAIM_SCRIPTS[0]


@pytest.fixture(scope="session")
def claims_parameters():
    return CLAIM_SCRIPTS[1]


@pytest.fixture(scope="session")
def claims_activations():
    return CLAIM_SCRIPTS[2]


CLAIM_SCRIPTS = [load_script(name) for name in LESSON_SCRIPTS if name.startswith("claims_")]
CLAIM_SECTIONS_BY_SCRIPT = [(module, s) for module in CLAIM_SCRIPTS for s in module.SECTIONS]
CLAIM_SECTIONS = [section for _, section in CLAIM_SECTIONS_BY_SCRIPT]


@pytest.fixture(scope="session")
def claim_runs(tmp_path_factory):
    """Each claim's flag run once, alone, from a folder outside the repository:
    {flag: (exit code, stdout, stderr, saved figure names)}."""
    import contextlib
    import io
    import os

    runs = {}
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    start = os.getcwd()
    os.chdir(elsewhere)
    try:
        for module, section in CLAIM_SECTIONS_BY_SCRIPT:
            out_dir = tmp_path_factory.mktemp("figures-" + section.flag)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run_cli(
                    module.main, ["--" + section.flag, "--out", str(out_dir), "--no-show"]
                )
            runs["--" + section.flag] = (
                code,
                out.getvalue(),
                err.getvalue(),
                saved_figures(out_dir),
            )
    finally:
        os.chdir(start)
    return runs


def verdicts_of(claim_runs, flag):
    out = claim_runs[flag][1]
    return re.findall(r"结论 verdict: (\S+)", out), out


def main_runner(module, tmp_path, monkeypatch, capsys):
    """Call a script's main() from a folder outside the repository; return (code, out, err)."""

    def run(*args, out_dir=None):
        workdir = tmp_path / "elsewhere"
        workdir.mkdir(exist_ok=True)
        monkeypatch.chdir(workdir)
        out_dir = out_dir or tmp_path / "figures"
        code = run_cli(module.main, [*args, "--out", str(out_dir), "--no-show"])
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
def run_claims_pooling(claims_pooling, tmp_path, monkeypatch, capsys):
    return main_runner(claims_pooling, tmp_path, monkeypatch, capsys)


@pytest.fixture
def run_claims_activations(claims_activations, tmp_path, monkeypatch, capsys):
    return main_runner(claims_activations, tmp_path, monkeypatch, capsys)


def saved_figures(folder):
    """The names of the files in ``folder``; an empty set where it was never created."""
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


LINUX = sys.platform.startswith("linux")


def run_raw(*args, cwd, env=None, script=SCRIPT, python=(), **kwargs):
    """Run a script with bytes for output, to check the encoding it prints in; ``python``:
    options for Python itself, such as ("-W", "error")."""
    env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    env.pop("DISPLAY", None)
    kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, *python, script, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def fake_old_torch(folder, version="2.1.2", numpy="2.1.0"):
    """Metadata that says torch <version> and numpy <numpy> are installed, put first on sys.path
    with PYTHONPATH: importlib.metadata finds it before the real packages, as if an old torch
    were installed next to NumPy 2, whatever this stage of CI installed."""
    for name, have in (("torch", version), ("numpy", numpy)):
        dist_info = folder / f"{name}-{have}.dist-info"
        dist_info.mkdir(parents=True)
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {have}\n"
        )
    return {"PYTHONPATH": str(folder)}


def assert_one_line_error(result, *fragments, code=1):
    """A subprocess that failed as promised: nothing on stdout, one line on stderr, no traceback."""
    assert result.returncode == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


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


# ---------------------------------------------------------------------------------------------
# Long commands started in the background when the session begins, so that they run on the
# second core while the other tests run; the tests that need them wait for them.
# ---------------------------------------------------------------------------------------------


# Runs each script's main (every section) in one process, whose thread count is set before
# torch starts, writing what it prints to <out>/<name>.txt and its figures to <out>: one torch
# import for all of them.
EVERY_SCRIPT = """\
import contextlib, importlib.util, os, sys
out, scripts = sys.argv[1], sys.argv[2:]
sys.path[:0] = [os.path.dirname(os.path.dirname(scripts[0])), os.path.dirname(scripts[0])]
from lesson_cli.console import run_cli
for script in scripts:
    name = os.path.basename(script)[:-3]
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as printed:
        with contextlib.redirect_stdout(printed):
            assert run_cli(module.main, ["--out", out, "--no-show"]) == 0, name
"""


def every_script_with_16_threads(out):
    """Every script's sections with 16 threads: tests/test_threads.py compares the lines,
    tests/test_docs.py makes the gallery from the figures."""
    return ["-c", EVERY_SCRIPT, out, *THREAD_CHECKED_SCRIPTS]


THREAD_CHECKED_SCRIPTS = [*SCRIPTS.values(), os.path.join(LESSON_DIR, "exercise_answers.py")]

# name -> (the tests that need it: node id starts, the command given a folder for its results,
# its thread count)
BACKGROUND_COMMANDS = {
    "article notebook": (
        ["tests/test_notebooks.py::test_the_article_notebook_runs"],
        lambda out: [
            os.path.join(REPO_ROOT, "docs", "make_notebooks.py"),
            "--only",
            "nn_layers_others",
            "--dest",
            out,
            "--run-in",
            REPO_ROOT,  # Jupyter opened at the repository's root
        ],
        "1",
    ),
    "16 threads": (
        ["tests/test_threads.py::", "tests/test_docs.py::test_make_gallery_writes"],
        every_script_with_16_threads,
        "16",
    ),
}
_background = {}


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    import tempfile

    # the tests that wait for a background command run last, when it has had the most time
    waiting = tuple(p for needed_by, _, _ in BACKGROUND_COMMANDS.values() for p in needed_by)
    items.sort(key=lambda item: item.nodeid.startswith(waiting))  # a stable sort: order kept
    for name, (needed_by, command, threads) in BACKGROUND_COMMANDS.items():
        if any(item.nodeid.startswith(tuple(needed_by)) for item in items):
            out = tempfile.mkdtemp(prefix="lesson3-background-")
            process = subprocess.Popen(
                [sys.executable, *command(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                # at the tests' own priority: niced, it would starve whenever the machine is
                # busy, and the tests that wait for it would wait longest then
                env={**os.environ, "PYTHONIOENCODING": "utf-8", "OMP_NUM_THREADS": threads},
            )
            _background[name] = (process, out)


def pytest_sessionfinish(session, exitstatus):
    """A background command no test waited for (the run stopped early) ends with the session."""
    import shutil

    for process, out in _background.values():
        if process.poll() is None:
            process.kill()
        process.communicate()
        shutil.rmtree(out, ignore_errors=True)


def background_result(name, timeout=300):
    """(returncode, stdout, stderr, folder) of the background command ``name``."""
    process, out = _background[name]
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr, out
