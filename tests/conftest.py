"""Shared fixtures: each lesson script loaded as a module, and ways to run it as a command."""

import contextlib
import importlib.util
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

# One thread for torch, here and in every subprocess the tests start: on a busy 2-core machine a
# full thread pool per process makes the suite several times slower. Set before torch loads;
# tests/test_threads.py checks that the scripts print the same lines with 16 threads.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MPLBACKEND"] = "Agg"  # headless, in this process and in every subprocess

# A suite started in the background (`cmd &`, nohup in some shells, CI runners) inherits SIGINT
# ignored, and so would every command it starts: Python then installs no KeyboardInterrupt
# handler, which is what several tests check a learner's script keeps. Python's own handler here
# is what an interactive start gives, and the commands started from here get the default back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

import pytest

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


class SectionRuns(dict):
    """Each section of each script run alone, the way a learner types ``--<flag>``, from a folder
    outside the repository, as another machine runs it (16 threads, other kernels: the
    background commands ANOTHER_MACHINE). ``runs[script name, flag]`` is (exit code, stdout,
    stderr, saved figure names). The claims, the notebooks' outputs and beyond_activations'
    tests read these runs, so no section is computed twice in one test run; that the lines do
    not change with the thread count is what tests/test_notebooks.py and tests/test_threads.py
    check against runs made with other threads."""

    def __missing__(self, key):
        name, flag = key
        code, _, stderr, out = background_result(machine_running(name))
        assert code == 0, stderr
        folder = os.path.join(out, name, flag)
        texts = []
        for stream in ("code", "stdout", "stderr"):
            with open(os.path.join(folder, stream), encoding="utf-8") as file:
                texts.append(file.read())
        figures = saved_figures(pathlib.Path(folder, "figures"))
        self[key] = (int(texts[0]), texts[1], texts[2], figures)
        return self[key]


@pytest.fixture(scope="session")
def section_runs():
    return SectionRuns()


@pytest.fixture(scope="session")
def claim_runs(section_runs):
    """Each claim's flag run once, alone: {"--flag": (exit code, stdout, stderr, saved figure
    names)}, made when a test first reads it."""

    class ClaimRuns(dict):
        def __missing__(self, flag):
            (name,) = [m.__name__ for m, s in CLAIM_SECTIONS_BY_SCRIPT if "--" + s.flag == flag]
            return section_runs[name, flag[2:]]

    return ClaimRuns()


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


XVFB = shutil.which("Xvfb")


@contextlib.contextmanager
def virtual_display(screen="1366x768", dpi=96):
    """An X display of ``screen`` pixels (Xvfb) for a test's windows: yields its DISPLAY.
    Xvfb picks a free display number itself (-displayfd) and writes it once it is ready, so
    a display another test, or anything else on the machine, already holds is never reused."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [XVFB, "-displayfd", str(write_end), "-screen", "0", f"{screen}x24", "-dpi", str(dpi)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as ready:
            number = ready.readline().strip()
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait()


def signals_as_a_terminal_leaves_them():
    """For a command a test sends signals to (Popen's preexec_fn): Ctrl-C, SIGTERM and SIGHUP
    with their default dispositions, whatever this suite was started with (nohup ignores
    SIGHUP, a background job SIGINT), since a command keeps a signal its caller ignored."""
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


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


def run_script(*args, cwd, script=SCRIPT, timeout=120, env=None, **popen):
    """Run a script as a learner would, in a subprocess; return the CompletedProcess.
    ``popen``: more of subprocess.run's arguments (a preexec_fn)."""
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
        **popen,
    )


# ---------------------------------------------------------------------------------------------
# Long commands started in the background when the session begins, so that they run beside the
# tests; the tests that need them wait for them. With pytest-xdist (pyproject.toml's -n) the
# tests run in several worker processes: the first worker starts each command once, in a folder
# every worker knows (LESSON3_TEST_RUN, made before the workers start), and a test in any worker
# waits for the file the command's exit code is written to.
# ---------------------------------------------------------------------------------------------


# Runs each section of each script alone, as ``--<flag>`` would, all in one process whose thread
# count is set before torch starts, from a folder outside the repository: <out>/<name>/<flag>/
# gets its exit code, stdout and stderr, and its figures in figures/. One torch import for all.
EVERY_SECTION = """\
import contextlib, importlib.util, io, os, sys
out, scripts = sys.argv[1], sys.argv[2:]
sys.path[:0] = [os.path.dirname(os.path.dirname(scripts[0])), os.path.dirname(scripts[0])]
from lesson_cli.console import run_cli
os.makedirs(os.path.join(out, "elsewhere"))
os.chdir(os.path.join(out, "elsewhere"))
for script in scripts:
    name = os.path.basename(script)[:-3]
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for section in module.SECTIONS:
        folder = os.path.join(out, name, section.flag)
        os.makedirs(folder)
        stdout, stderr = io.StringIO(), io.StringIO()
        arguments = ["--" + section.flag, "--out", os.path.join(folder, "figures"), "--no-show"]
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = run_cli(module.main, arguments)
        for stream, text in (("stdout", stdout.getvalue()), ("stderr", stderr.getvalue())):
            with open(os.path.join(folder, stream), "w", encoding="utf-8") as file:
                file.write(text)
        with open(os.path.join(folder, "code"), "w", encoding="utf-8") as file:
            file.write(str(code))
"""


THREAD_CHECKED_SCRIPTS = [*SCRIPTS.values(), os.path.join(LESSON_DIR, "exercise_answers.py")]
# The scripts in two halves of about equal work, each half one background command: when the test
# processes have nothing left but to wait for these runs, both cores finish them.
# The first half is named; the second is every other script, so a new one needs no entry here.
FIRST_HALF = ("claims_linear_activations", "nn_layers_others", "beyond_the_article")
ANOTHER_MACHINE = {
    "another machine 1": FIRST_HALF,
    "another machine 2": tuple(
        name
        for name in (os.path.basename(path)[:-3] for path in THREAD_CHECKED_SCRIPTS)
        if name not in FIRST_HALF
    ),
}


def machine_running(name):
    """The background command that runs the sections of the script ``name``."""
    (command,) = [command for command, names in ANOTHER_MACHINE.items() if name in names]
    return command


def every_section(command):
    """The sections of ``command``'s scripts, alone, as another machine runs them (SectionRuns)."""
    scripts = [os.path.join(LESSON_DIR, name + ".py") for name in ANOTHER_MACHINE[command]]
    return lambda out: ["-c", EVERY_SECTION, out, *scripts]


# The test files that read conftest.SectionRuns: their tests wait for the background command
# ANOTHER_MACHINE (started when one of them is collected), so they run last.
SECTION_RUN_FILES = tuple(
    f"tests/test_{name}.py"
    for name in (
        "beyond_activations",
        "bilingual",
        "claims_linear_activations",
        "claims_pooling",
        "claims_pooling_parameters",
        "notebooks",
        "threads",
        "verdicts",
    )
)


# name -> (the tests that need it: node id starts, the command given a folder for its results,
# what its environment changes)
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
        {},
    ),
    **{
        command: (
            [*SECTION_RUN_FILES, "tests/test_docs.py::test_make_gallery_writes"],
            every_section(command),
            {
                "OMP_NUM_THREADS": "16",  # a 16-core learner's laptop
                # and other arithmetic: ATen's kernels without SIMD, and the MKL code path of an
                # older x86 CPU (float32 sums round differently there); ignored without MKL
                "ATEN_CPU_CAPABILITY": "default",
                "MKL_CBWR": "SSE4_2",
            },
        )
        for command in ANOTHER_MACHINE
    },
}
# The node ids (their starts) of the tests that wait for a background command.
WAITING = tuple(p for needed_by, _, _ in BACKGROUND_COMMANDS.values() for p in needed_by)
RUN_FOLDER = "LESSON3_TEST_RUN"

# Runs a command with its output in files, then writes its exit code to a file: something any
# test process can wait for, where a Popen object serves only the process that made it.
RECORDED = """\
import os, subprocess, sys
folder, command = sys.argv[1], sys.argv[2:]
with open(os.path.join(folder, "stdout"), "wb") as out:
    with open(os.path.join(folder, "stderr"), "wb") as err:
        code = subprocess.call(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
with open(os.path.join(folder, "returncode.part"), "w") as file:
    file.write(str(code))
os.replace(os.path.join(folder, "returncode.part"), os.path.join(folder, "returncode"))
"""


def pytest_configure(config):
    """The folder the whole run shares, made by the process pytest was started as (xdist's
    controller, or the only process): the workers it starts inherit its environment."""
    import tempfile

    if not hasattr(config, "workerinput"):
        os.environ[RUN_FOLDER] = tempfile.mkdtemp(prefix="lesson3-tests-")


def pytest_unconfigure(config):
    """A background command still running (the run stopped early) ends with the run, and the
    run's folder goes."""
    import contextlib
    import shutil
    import signal

    if hasattr(config, "workerinput") or RUN_FOLDER not in os.environ:
        return
    run_folder = os.environ.pop(RUN_FOLDER)
    for name in os.listdir(run_folder):
        folder = os.path.join(run_folder, name)
        if os.path.exists(os.path.join(folder, "returncode")):
            continue
        with open(os.path.join(folder, "pid")) as file:
            pid = int(file.read())
        if sys.platform == "win32":
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(pid)], capture_output=True)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # the recorder and its command: one session
    shutil.rmtree(run_folder, ignore_errors=True)


def pytest_itemcollected(item):
    message = f"{item.nodeid} reads SectionRuns: list its file in SECTION_RUN_FILES"
    if "section_runs" in item.fixturenames and not item.nodeid.startswith(SECTION_RUN_FILES):
        raise pytest.UsageError(message)
    # marked here, before -m deselects
    function = getattr(item, "function", None)
    slow = item.nodeid.startswith(WAITING) or "section_runs" in item.fixturenames
    slow = slow or function is None or names_used(function) & STARTS_A_COMMAND
    if not slow and item.get_closest_marker("slow") is None:
        item.add_marker(pytest.mark.quick)


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    # torch is imported where tests run (OMP_NUM_THREADS above already gave it one thread), not
    # in xdist's controller, which collects nothing and would spend seconds importing it
    import torch

    torch.set_num_threads(1)
    # the tests that wait for a background command run last, when it has had the most time
    items.sort(key=lambda item: item.nodeid.startswith(WAITING))  # a stable sort: order kept
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0" or config.option.collectonly:
        return  # every worker collects the same tests: the first one starts the commands
    for name, (needed_by, _, _) in BACKGROUND_COMMANDS.items():
        started = os.path.exists(background_folder(name))
        if not started and any(item.nodeid.startswith(tuple(needed_by)) for item in items):
            start_background(name)


# What makes a test slow: a command it starts (each loads torch in a new process), or a
# background run it waits for (SectionRuns). The others form the quick tier: pytest -m quick.
# A test that starts a command through a helper these names miss is marked slow by hand; one
# that is not fails in the quick tier (pytest_runtest_call below).
STARTS_A_COMMAND = {"run_script", "run_raw", "run_python", "subprocess", "background_result",
                    "run_child"}  # fmt: skip


def names_used(function):
    """The global names a test function's code uses: its nested functions' included, and those
    of the helpers it calls that the test files define (a helper that starts the command)."""
    names, seen, todo = set(), set(), [function.__code__]
    while todo:
        code = todo.pop()
        names |= set(code.co_names)
        todo += [constant for constant in code.co_consts if hasattr(constant, "co_names")]
        for name in code.co_names:
            helper = function.__globals__.get(name)
            module = getattr(helper, "__module__", "") or ""
            if hasattr(helper, "__code__") and module.startswith(("test_", "conftest")):
                if helper.__code__ not in seen:
                    seen.add(helper.__code__)
                    todo.append(helper.__code__)
    return names


def start_background(name):
    """Start the background command ``name`` (BACKGROUND_COMMANDS) in its folder."""
    _, command, environment = BACKGROUND_COMMANDS[name]
    folder = background_folder(name)
    out = os.path.join(folder, "out")
    os.makedirs(out)
    process = subprocess.Popen(
        [sys.executable, "-c", RECORDED, folder, sys.executable, *command(out)],
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # so that the run's end can stop it and its command
        # At the tests' own priority: niced, it would starve whenever the machine is busy, and
        # the tests that wait for it would wait longest then.
        # OMP_WAIT_POLICY: 16 threads on a 2-core machine spin while they wait for work and take
        # the cores from the tests; passive, they sleep. It changes when a thread waits, not how
        # the work is split, so not what the scripts print.
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "OMP_WAIT_POLICY": "PASSIVE"} | environment,
    )
    with open(os.path.join(folder, "pid"), "w") as file:
        file.write(str(process.pid))


def background_folder(name):
    """Where the background command ``name`` keeps its pid, output, exit code and results."""
    return os.path.join(os.environ[RUN_FOLDER], name.replace(" ", "-"))


def background_result(name, timeout=300):
    """(exit code, stdout, stderr, folder of its results) of the background command ``name``,
    once it has ended, whichever test process started it."""
    import time

    folder = background_folder(name)
    deadline = time.monotonic() + timeout
    while not os.path.exists(os.path.join(folder, "returncode")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the background command {name!r} did not end in {timeout} s")
        time.sleep(0.1)
    texts = []
    for stream in ("returncode", "stdout", "stderr"):
        with open(os.path.join(folder, stream), encoding="utf-8") as file:
            texts.append(file.read())
    return int(texts[0]), texts[1], texts[2], os.path.join(folder, "out")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A test of the quick tier that starts Python in a new process (the cost the tier leaves
    out: torch loads again) fails, saying so: the tier's marking (pytest_itemcollected) is
    checked every time the tests run. Small commands, such as platform's `uname -p`, may run."""
    if item.get_closest_marker("quick") is None:
        yield
        return
    popen = subprocess.Popen.__init__

    def refuse_python(self, args, *more, **kwargs):
        program = args if isinstance(args, (str, bytes)) else args[0]
        if "python" in os.path.basename(os.fsdecode(program)):
            raise AssertionError(f"{item.nodeid} starts Python: it is no quick test")
        popen(self, args, *more, **kwargs)

    subprocess.Popen.__init__ = refuse_python
    try:
        yield
    finally:
        subprocess.Popen.__init__ = popen
