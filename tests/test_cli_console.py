"""lesson_cli/console.py: one-line errors, the console's encoding, Ctrl-C, pipes, memory."""

import os
import subprocess
import sys

import pytest
from conftest import (
    LESSON_DIR,
    LINUX,
    REPO_ROOT,
    SCRIPT,
    SCRIPTS,
    assert_one_line_error,
    run_raw,
    run_script,
    saved_figures,
    signals_as_a_terminal_leaves_them,
)
from PIL import Image

from lesson_cli import console
from lesson_cli.console import InputError, run_cli

CHECK_ENV = os.path.join(REPO_ROOT, "check_env.py")
EXERCISE_ANSWERS = os.path.join(LESSON_DIR, "exercise_answers.py")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("image not found: x.png"), 1),
        (OSError(28, "No space left on device"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_run_cli_turns_bad_input_disk_errors_and_ctrl_c_into_one_line(capsys, error, code):
    def main(argv):
        raise error

    assert run_cli(main) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_a_gbk_console_gets_chinese_in_gbk_and_stand_ins_for_what_gbk_lacks(tmp_path):
    result = run_raw("--linear", cwd=tmp_path, env={"PYTHONIOENCODING": "gbk"})
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("gbk")  # strict: every byte is GBK
    assert "线性层 nn.Linear(3, 4)" in text and "y = x·W^T + b" in text  # ᵀ is not in GBK
    result = run_raw("--list", cwd=tmp_path, env={"PYTHONIOENCODING": "gbk"})
    assert "最大池化：nn.MaxPool2d()" in result.stdout.decode("gbk")


def test_a_console_without_chinese_gets_escapes_never_a_crash(tmp_path):
    for encoding in ("cp1252", "ascii"):
        result = run_raw("--list", cwd=tmp_path, env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 0, result.stderr
        assert "\\u6700\\u5927" in result.stdout.decode(encoding)  # 最大, escaped
        result = run_raw(
            "--image", "无.png", "--maxpool", cwd=tmp_path, env={"PYTHONIOENCODING": encoding}
        )
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert b"image not found: \\u65e0.png" in result.stderr


@pytest.mark.skipif(not LINUX, reason="file names that are not UTF-8 exist on Linux")
def test_file_names_that_are_not_utf8_are_printed_escaped(tmp_path):
    out = os.fsencode(tmp_path) + b"/figures-\xff"
    result = run_raw(
        "--maxunpool", "--out", out, "--no-show", cwd=tmp_path, env={"PYTHONIOENCODING": "utf-8"}
    )
    assert result.returncode == 0, result.stderr
    assert b"figures-\\udcff/maxunpool.png" in result.stdout
    assert os.path.exists(out + b"/maxunpool.png")
    for encoding in ("utf-8", "cp1252"):  # an error message naming such a file is one line too
        missing = os.fsencode(tmp_path) + b"/\xff.png"
        result = run_raw(
            "--maxpool", "--image", missing, cwd=tmp_path, env={"PYTHONIOENCODING": encoding}
        )
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert b"\\udcff.png" in result.stderr


@pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT is not a signal one process sends another on Windows"
)
def test_ctrl_c_anywhere_is_one_line_exit_130_and_leaves_no_temporary_file(tmp_path):
    import signal
    import time

    for delay in (0.3, 2.5):  # importing libraries; computing, drawing and saving figures
        out = tmp_path / f"out-{delay}"
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "--out", str(out), "--no-show"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8"),
            preexec_fn=signals_as_a_terminal_leaves_them,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        err = process.communicate(timeout=60)[1].decode()
        if process.returncode == 0:
            continue  # a fast machine finished first
        assert (process.returncode, err) == (130, "已中断 interrupted\n")
        assert not [p for p in saved_figures(out) if p.startswith(".")]


@pytest.mark.skipif(not LINUX, reason="/dev/full is Linux's")
def test_a_closed_pipe_ends_quietly_and_a_full_disk_is_one_line(tmp_path):
    script = SCRIPTS["beyond_the_article"]
    process = subprocess.Popen(
        [sys.executable, script, "--pool-from-scratch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    process.stdout.read(10)  # `| head -c 10`: read a little, then close the pipe
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and err == ""
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, script, "--pool-from-scratch"],
            stdout=full,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        )
    assert result.returncode == 1
    assert (
        result.stderr.decode()
        == "错误 error: 无法写出输出 cannot write the output: No space left on device\n"
    )


@pytest.mark.parametrize(
    "error",
    [
        MemoryError(),
        RuntimeError(
            "[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: can't allocate memory"
        ),
        ImportError("libtorch_cpu.so: failed to map segment from shared object"),
    ],
)
def test_running_out_of_memory_is_one_line(capsys, error):
    def main(argv):
        raise error

    assert run_cli(main, []) == 1
    assert capsys.readouterr().err == f"错误 error: {console.OUT_OF_MEMORY}\n"


def test_other_runtime_errors_keep_their_traceback():
    def main(argv):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run_cli(main, [])


@pytest.mark.skipif(not LINUX, reason="resource limits on address space are Linux's")
def test_a_picture_too_big_for_the_memory_there_is_gets_one_line(tmp_path):
    # Load the libraries first, then allow 800 MB more address space than they took: enough
    # for the script, not for a 4096×4096 picture (about 1.3 GB more), whatever torch's build.
    Image.new("RGB", (4096, 4096), (9, 9, 9)).save(tmp_path / "big.png", compress_level=1)
    code = (
        "import resource, runpy, sys, torch, torchvision, matplotlib.pyplot\n"
        "size = [l for l in open('/proc/self/status') if l.startswith('VmSize')][0]\n"
        "limit = int(size.split()[1]) * 1024 + (800 << 20)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = run_raw(
        "--maxpool", "--image", "big.png", "--out", "out", cwd=tmp_path, python=("-c", code)
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.decode().splitlines() == [f"错误 error: {console.OUT_OF_MEMORY}"]


# ---------------------------------------------------------------- streams that are gone


@pytest.mark.skipif(not LINUX, reason="/dev/full and closing a descriptor are Linux's")
@pytest.mark.parametrize("script", [SCRIPT, CHECK_ENV], ids=["lesson script", "check_env"])
def test_help_to_a_full_disk_is_one_line_and_to_a_closed_stdout_too(tmp_path, script):
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, script, "--help"], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert result.returncode == 1
    assert (
        result.stderr
        == "错误 error: 无法写出输出 cannot write the output: No space left on device\n"
    )
    for args in (["--help"], ["--list"], []):
        if script == CHECK_ENV and args == ["--list"]:
            continue
        result = subprocess.run(
            [sys.executable, script, *args],
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),  # `>&-`: started with stdout closed
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr == "错误 error: 标准输出已关闭 stdout is closed: nothing to print to\n"


@pytest.mark.skipif(not LINUX, reason="pipes with a closed reading end, as POSIX has them")
def test_help_into_a_pipe_nobody_reads_ends_quietly(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| true` that has already gone
    result = subprocess.run(
        [sys.executable, SCRIPT, "--help"], stdout=write_end, stderr=subprocess.PIPE, text=True
    )
    os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")


# ---------------------------------------------------------------- signals


def activations_running(out, signal_dispositions):
    """`--activations` started with ``signal_dispositions`` (a preexec_fn) and running: its
    section's heading is printed once its handlers are in place, however busy the machine."""
    process = subprocess.Popen(
        [sys.executable, SCRIPT, "--activations", "--out", str(out), "--no-show"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        preexec_fn=signal_dispositions,
    )
    for printed in process.stdout:
        if b"[--activations]" in printed:
            break
    return process


@pytest.mark.skipif(not LINUX, reason="SIGTERM and SIGHUP as a terminal or an IDE sends them")
@pytest.mark.parametrize(
    ("signal_name", "line", "delay"),
    [("SIGTERM", "已终止 terminated\n", 1.5), ("SIGHUP", "", 0.0)],
)
def test_sigterm_and_sighup_leave_no_half_written_figure(tmp_path, signal_name, line, delay):
    import signal
    import time

    out = tmp_path / "out"
    process = activations_running(out, signals_as_a_terminal_leaves_them)
    time.sleep(delay)  # 1.5 s after its heading it is computing, drawing or saving
    number = getattr(signal, signal_name)
    process.send_signal(number)
    printed = process.stdout.read()
    err = process.communicate(timeout=60)[1].decode()
    if process.returncode == 0 or b"activation_relu_variants.png" in printed:
        # it finished first: every figure was saved, and a signal during Python's own shutdown
        # (which restores the default handlers) finds nothing half-written
        return
    assert (process.returncode, err) == (128 + number, line), err
    assert not [p for p in saved_figures(out) if p.startswith(".")], saved_figures(out)


@pytest.mark.skipif(not LINUX, reason="SIGTERM as an IDE sends it")
def test_a_signal_removes_the_folder_matplotlib_made_for_want_of_its_own(tmp_path):
    # with MPLCONFIGDIR unusable matplotlib makes TMPDIR/matplotlib-*, removed by an atexit
    # function that a signal's hard exit skipped: one folder left behind per run
    import signal
    import time

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, SCRIPT, "--activations", "--out", str(tmp_path / "out"), "--no-show"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, MPLCONFIGDIR=os.devnull, TMPDIR=str(temporary)),
        preexec_fn=signals_as_a_terminal_leaves_them,
    )
    for printed in process.stdout:
        if b"[--activations]" in printed:
            break
    deadline = time.monotonic() + 60
    while not list(temporary.glob("matplotlib-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # matplotlib has made its folder
    assert list(temporary.glob("matplotlib-*"))
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("it finished before the signal came")
    assert process.returncode == 143
    assert list(temporary.glob("matplotlib-*")) == []


@pytest.mark.skipif(not LINUX, reason="signals a caller ignores: nohup, trap '' TERM, a & job")
def test_a_signal_the_caller_ignored_stays_ignored(tmp_path):
    import signal

    def ignore_them():
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN)

    out = tmp_path / "out"
    process = activations_running(out, ignore_them)
    for number in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        process.send_signal(number)
    err = process.communicate(timeout=60)[1].decode()
    assert (process.returncode, err) == (0, "")
    assert saved_figures(out) == {
        "activation_sigmoid_tanh_relu.png",
        "activation_relu_variants.png",
    }


# ---------------------------------------------------------------- interpreter modes


@pytest.mark.parametrize(
    "script", [*SCRIPTS.values(), EXERCISE_ANSWERS, CHECK_ENV], ids=os.path.basename
)
def test_nothing_depends_on_docstrings_under_python_oo(tmp_path, script):
    args = ["--help"] if script == CHECK_ENV else ["--list"]
    result = run_raw(*args, cwd=tmp_path, script=script, python=("-OO",))
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    assert result.stdout


# ---------------------------------------------------------------- messages that tell the cause


@pytest.mark.skipif(not LINUX, reason="resource limits are POSIX's")
def test_no_writable_file_anywhere_names_the_file_size_limit(tmp_path):
    code = (
        "import resource, sys, tempfile\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # Python ignores SIGXFSZ\n"
        "tempfile.tempdir = None\n"
        f"sys.path.insert(0, {REPO_ROOT!r})\n"
        "from lesson_cli.console import run_cli\n"
        "def main(argv):\n"
        "    tempfile.mkdtemp()  # what matplotlib does when its cache folder is not usable\n"
        "sys.exit(run_cli(main, []))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == (
        "错误 error: 无法写入任何文件 / no file can be written anywhere: the file-size limit is 0"
        " bytes (ulimit -f)\n"
    )


@pytest.mark.skipif(not LINUX, reason="/proc is Linux's")
def test_an_out_where_no_file_can_be_made_says_so(tmp_path):
    result = run_script("--maxunpool", "--out", "/proc", cwd=tmp_path)
    assert_one_line_error(
        result, "cannot write to --out /proc: 这里不能创建文件 / files cannot be created there"
    )


# ---------------------------------------------------------------- start-up

# Runs a script as `python script --list` does, and sends itself ``signal`` at the first import
# after begin_command: the scripts' own imports (common_tools, lab, lesson_cli's modules).
SIGNAL_DURING_IMPORTS = """\
import builtins, os, runpy, signal, sys
sys.path.insert(0, sys.argv[1])
number = getattr(signal, sys.argv[2])
import lesson_cli
begin = lesson_cli.begin_command
real_import = builtins.__import__
def begin_command(name):
    begin(name)
    def import_and_signal(*args, **kwargs):
        builtins.__import__ = real_import
        os.kill(os.getpid(), number)
        return real_import(*args, **kwargs)
    builtins.__import__ = import_and_signal
lesson_cli.begin_command = begin_command
sys.argv = sys.argv[3:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.skipif(not LINUX, reason="SIGTERM as a terminal or an IDE sends it")
@pytest.mark.parametrize(
    "signal_name, code, line",
    [("SIGINT", 130, "已中断 interrupted\n"), ("SIGTERM", 143, "已终止 terminated\n")],
)
@pytest.mark.parametrize(
    "script", [*SCRIPTS.values(), EXERCISE_ANSWERS, CHECK_ENV], ids=os.path.basename
)
def test_a_signal_during_the_scripts_own_imports_is_one_line(
    tmp_path, script, signal_name, code, line
):
    # the handlers used to come only once main started: a KeyboardInterrupt traceback from the
    # scripts' imports, a silent SIGTERM; what remains is Python's own start-up (README)
    result = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_IMPORTS, REPO_ROOT, signal_name, script, "--list"],
        cwd=tmp_path,
        capture_output=True,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        preexec_fn=signals_as_a_terminal_leaves_them,
    )
    assert (result.returncode, result.stderr.decode()) == (code, line)


def copy_of_the_repository(folder, script="nn_layers_others"):
    """A repository of one lesson script in ``folder``: lesson_cli, common_tools and lab as they
    are here, so a test can put a learner's files beside the script."""
    import shutil

    for part in ("lesson_cli", os.path.join("lesson3", "lab")):
        shutil.copytree(os.path.join(REPO_ROOT, part), folder / part)
    for part in ("common_tools.py", os.path.join("lesson3", script + ".py")):
        shutil.copy(os.path.join(REPO_ROOT, part), folder / part)
    return folder / "lesson3" / (script + ".py")


@pytest.mark.parametrize(
    "learners_file, module",
    [("random.py", "random"), ("copy.py", "copy"), ("torch/__init__.py", "torch")],
)
def test_a_learners_file_named_like_a_module_is_named_in_one_line(tmp_path, learners_file, module):
    # Python would import it in place of the module: an ImportError deep in tempfile, or torch
    # without its layers
    script = copy_of_the_repository(tmp_path / "repo")
    (script.parent / learners_file).parent.mkdir(exist_ok=True)
    (script.parent / learners_file).write_text("print('my own experiment')\n")
    result = run_script("--linear", cwd=tmp_path, script=str(script))
    name = learners_file.split("/")[0]
    assert_one_line_error(result, f"lesson3/{name}", f"the module {module} and hides it")


def test_the_repository_has_no_file_named_like_a_module():
    import lesson_cli

    sys.path[:0] = [LESSON_DIR]
    try:
        assert lesson_cli.hiding_files() == []
    finally:
        sys.path.remove(LESSON_DIR)


# ---------------------------------------------------------------- messages and exit codes

PROGRAMS = [
    *SCRIPTS.values(),
    EXERCISE_ANSWERS,
    CHECK_ENV,
    *(os.path.join(REPO_ROOT, "docs", name) for name in ("make_gallery.py", "make_notebooks.py")),
    *(
        os.path.join(REPO_ROOT, "benchmarks", name)
        for name in ("bench_cli.py", "bench_explorer.py")
    ),
    os.path.join(REPO_ROOT, "benchmarks", "measure_install.py"),
]


@pytest.mark.parametrize("program", PROGRAMS, ids=os.path.basename)
def test_a_usage_error_with_stderr_closed_still_exits_2(tmp_path, program):
    # `2>&-`: argparse wrote its line to a missing stderr, and the crash exited 1
    result = subprocess.run(
        [sys.executable, program, "--bogus"],
        cwd=tmp_path,
        capture_output=True,
        preexec_fn=lambda: os.close(2),
    )
    assert (result.returncode, result.stdout) == (2, b"")


def without(environment, name):
    return {key: value for key, value in environment.items() if key != name}


@pytest.mark.skipif(not LINUX, reason="resource limits are POSIX's")
@pytest.mark.parametrize("error", ["OSError('无法保存 cannot save out/x.png: File too large')",
                                   "KeyboardInterrupt()"])  # fmt: skip
def test_a_failed_save_with_an_unflushable_stdout_is_one_line(tmp_path, error):
    # what a section printed is still in stdout's buffer when the save fails, and stdout (a file
    # past the file-size limit) cannot take it: Python's flush at exit added "Exception ignored
    # … OSError", and exit code 120
    code = (
        f"import sys; sys.path.insert(0, {REPO_ROOT!r})\n"
        "from lesson_cli.console import run_command\n"
        "def main(argv):\n"
        "    print('池化前尺寸:torch.Size([1, 3, 512, 512])' * 30)\n"
        f"    raise {error}\n"
        "sys.exit(run_command(main))\n"
    )

    def limit_files():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))  # Python ignores SIGXFSZ

    with open(tmp_path / "printed.txt", "w") as printed:
        result = subprocess.run(
            [sys.executable, "-c", code],
            stdout=printed,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            # buffered, as a learner's Python is (this machine sets PYTHONUNBUFFERED)
            env={**without(os.environ, "PYTHONUNBUFFERED"), "PYTHONIOENCODING": "utf-8"},
            preexec_fn=limit_files,
        )
    (line,) = result.stderr.splitlines()
    if error.startswith("OSError"):
        assert (result.returncode, line) == (
            1,
            "错误 error: 无法保存 cannot save out/x.png: File too large",
        )
    else:
        assert (result.returncode, line) == (130, "已中断 interrupted")


# A section that made two animations, whose first save fails (--out is a file): the run ends
# with one line, and the animation never saved adds no matplotlib warning when it is deleted.
FAILED_ANIMATION_SAVE = """\
import sys
sys.path.insert(0, sys.argv[1])
from lesson_cli.console import run_command
from lesson_cli.sections import Section, save_figures_drawn

def main(argv):
    from matplotlib import pyplot as plt
    from matplotlib.animation import FuncAnimation

    made = {}
    for name in ("first.gif", "second.gif"):
        fig = plt.figure(figsize=(1, 1))
        made[name] = FuncAnimation(fig, lambda frame: [], frames=2, interval=100)
    section = Section("animate", "two animations", None, figures=tuple(made))
    save_figures_drawn(section, sys.argv[2], made)

sys.exit(run_command(main))
"""


def test_a_failed_gif_save_is_one_line_without_matplotlibs_warning(tmp_path):
    (tmp_path / "a file").write_text("not a folder")
    result = subprocess.run(
        [sys.executable, "-c", FAILED_ANIMATION_SAVE, REPO_ROOT, str(tmp_path / "a file")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8"),
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "cannot save" in line and "first.gif" in line


def test_a_number_too_long_to_read_is_cut_in_the_error_line(tmp_path):
    result = run_script(
        "--output-size", "--size", "9" * 5000, cwd=tmp_path, script=SCRIPTS["beyond_the_article"]
    )
    assert_one_line_error(result, "got '999999999999… (5000 digits)'", code=2)
    assert len(result.stderr) < 300


def test_an_abbreviation_of_a_moved_flag_says_where_it_moved(tmp_path):
    result = run_script("--output-s", cwd=tmp_path)
    assert_one_line_error(
        result, "--output-s 已移到 moved to lesson3/beyond_the_article.py", code=2
    )


# ---------------------------------------------------------------- the tools' children

BENCHMARKS = os.path.join(REPO_ROOT, "benchmarks")


def test_the_benchmarks_answer_help_at_once_and_bad_input_in_one_line(tmp_path):
    # bench_explorer.py --help ran the whole 90 s benchmark
    def benchmark(name, *args):
        return run_script(*args, cwd=tmp_path, script=os.path.join(BENCHMARKS, name), timeout=20)

    help_text = benchmark("bench_explorer.py", "--help")
    assert help_text.returncode == 0 and help_text.stdout.startswith("usage: bench_explorer.py")
    result = benchmark("measure_install.py", "--python", "/nonexistent")
    assert_one_line_error(result, "--python 找不到 not found: /nonexistent")
    result = benchmark("bench_cli.py", "--repeat", "9" * 23)
    assert_one_line_error(
        result, "--repeat: 应为 1 到 20 的整数 / must be a whole number from 1 to 20", code=2
    )


def test_a_child_that_fails_is_one_line_naming_it():
    with pytest.raises(InputError, match="floor torch 失败 failed with exit code 3"):
        console.run_child([sys.executable, "-c", "raise SystemExit(3)"], what="floor torch")
    with pytest.raises(InputError, match="cannot run /nonexistent/python"):
        console.run_child(["/nonexistent/python", "--version"])


# A tool as bench_cli.py and measure_install.py are: a temporary folder, a child running in it.
TOOL_WITH_A_CHILD = """\
import os, shutil, subprocess, sys, tempfile
sys.path.insert(0, sys.argv[1])
from lesson_cli.console import cleanup_on_signal, run_child, run_command
def main(argv):
    folder = tempfile.mkdtemp(prefix="tool-")
    with cleanup_on_signal(lambda: shutil.rmtree(folder, ignore_errors=True)):
        waits = "import os, time; print(os.getpid(), flush=True); time.sleep(60)"
        with open(os.path.join(folder, "child.pid"), "w") as pid_file:
            run_child([sys.executable, "-c", waits], stdout=pid_file)
sys.exit(run_command(main))
"""


@pytest.mark.skipif(not LINUX, reason="SIGTERM as an IDE sends it")
@pytest.mark.parametrize("signal_name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_stops_a_tools_child_and_removes_its_folder(tmp_path, signal_name, code):
    # bench_cli.py left its temporary folder and a child running; measure_install.py a venv
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-c", TOOL_WITH_A_CHILD, REPO_ROOT],
        stderr=subprocess.PIPE,
        env=dict(os.environ, TMPDIR=str(tmp_path)),
        preexec_fn=signals_as_a_terminal_leaves_them,
    )
    deadline = time.monotonic() + 60
    pid_file = None
    while time.monotonic() < deadline and not pid_file:
        found = [p / "child.pid" for p in tmp_path.glob("tool-*") if (p / "child.pid").exists()]
        pid_file = found[0] if found and found[0].read_text().strip() else None
        time.sleep(0.05)
    child = int(pid_file.read_text())
    process.send_signal(getattr(signal, signal_name))
    assert process.wait(timeout=30) == code
    time.sleep(0.2)
    assert list(tmp_path.glob("tool-*")) == []
    assert not os.path.exists(f"/proc/{child}")  # killed and reaped
