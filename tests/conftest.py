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


# ---------------------------------------------------------------------------------------------
# Long commands started in the background when the session begins, so that they run on the
# second core while the other tests run; the tests that need them wait for them.
# ---------------------------------------------------------------------------------------------

BACKGROUND_COMMANDS = {
    # test nodeid (its start) -> the command, given a folder for its results
    "tests/test_docs.py::test_make_gallery": lambda out: [
        os.path.join(REPO_ROOT, "docs", "make_gallery.py"),
        "--dest",
        out,
        "--jobs",
        "1",
    ],
    "tests/test_notebooks.py::test_the_article_notebook_runs": lambda out: [
        os.path.join(REPO_ROOT, "docs", "make_notebooks.py"),
        "--only",
        "nn_layers_others",
        "--dest",
        out,
        "--run-in",
        REPO_ROOT,  # Jupyter opened at the repository's root
    ],
}
_background = {}


def pytest_collection_modifyitems(session, config, items):
    import tempfile

    for prefix, command in BACKGROUND_COMMANDS.items():
        if any(item.nodeid.startswith(prefix) for item in items):
            out = tempfile.mkdtemp(prefix="lesson3-background-")
            process = subprocess.Popen(
                [sys.executable, *command(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                # one thread each, at a lower priority: the tests in this process come first
                env={**os.environ, "PYTHONIOENCODING": "utf-8", "OMP_NUM_THREADS": "1"},
                preexec_fn=(lambda: os.nice(10)) if hasattr(os, "nice") else None,
            )
            _background[prefix] = (process, out)


def background_result(prefix, timeout=300):
    """(returncode, stdout, stderr, folder) of the background command for ``prefix``."""
    process, out = _background[prefix]
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr, out
