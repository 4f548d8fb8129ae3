"""lesson_cli/figures.py: the --out folder, matplotlib's backend, saving and showing figures."""

import os
import sys

import pytest
from conftest import (
    LINUX,
    REPO_ROOT,
    XVFB,
    assert_one_line_error,
    load_script,
    run_script,
    saved_figures,
    signals_as_a_terminal_leaves_them,
    virtual_display,
)
from PIL import Image

from lesson_cli.console import InputError, run_cli
from lesson_cli.figures import prepare_output_dir, save_figure, show_figures, use_figure_backend


class FailingFigure:
    def savefig(self, path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a png")
        raise OSError(28, "No space left on device")


def test_a_failed_save_keeps_the_previous_figure_and_leaves_no_temporary_file(tmp_path):
    old = tmp_path / "maxpool.png"
    old.write_bytes(b"the learner's previous figure")
    with pytest.raises(OSError, match="No space left"):
        save_figure(FailingFigure(), str(tmp_path), "maxpool")
    assert old.read_bytes() == b"the learner's previous figure"
    assert os.listdir(tmp_path) == ["maxpool.png"]


def test_saved_figures_get_the_usual_file_mode(tmp_path):
    from matplotlib import pyplot as plt

    fig = plt.figure()
    path, replaced = save_figure(fig, str(tmp_path), "empty")
    assert not replaced
    plt.close(fig)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_prepare_output_dir_refuses_a_file_and_leaves_it_alone(tmp_path):
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    with pytest.raises(InputError, match="is a file, not a folder"):
        prepare_output_dir(str(existing))
    with pytest.raises(InputError, match="cannot write to --out"):
        prepare_output_dir(str(existing / "figures"))
    assert existing.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write")
def test_prepare_output_dir_refuses_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(InputError, match="cannot write to --out"):
        prepare_output_dir(str(locked))


def test_show_without_a_display_says_so_and_does_not_block(capsys, monkeypatch):
    from matplotlib import pyplot as plt

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert use_figure_backend(True) is False
    assert "no display" in capsys.readouterr().err
    assert use_figure_backend(None) is False
    assert capsys.readouterr().err == ""
    plt.figure()
    show_figures(False)  # never blocks, and closes the figures
    assert plt.get_fignums() == []


def test_an_out_that_is_a_file_is_refused_and_the_file_kept(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("my notes")
    result = run_script("--maxpool", "--out", str(keep), cwd=tmp_path)
    assert_one_line_error(result, "--out is a file, not a folder")
    assert keep.read_text() == "my notes"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux's read-only /sys")
def test_an_out_that_cannot_be_written_is_one_line(tmp_path):
    result = run_script("--maxunpool", "--out", "/sys/lesson3-figures", cwd=tmp_path)
    assert_one_line_error(result, "cannot write to --out /sys/lesson3-figures")


def test_a_section_that_saves_nothing_never_touches_out(run_main, tmp_path):
    code, _, err = run_main("--linear", out_dir="/sys/lesson3-figures")  # a read-only checkout
    assert (code, err) == (0, "")
    code, _, err = run_main("--linear", out_dir=tmp_path / "new")
    assert code == 0 and not (tmp_path / "new").exists()


def test_existing_figures_are_replaced_and_other_files_in_out_are_untouched(run_main, tmp_path):
    out = tmp_path / "out"
    code, out_text, err = run_main("--maxunpool", out_dir=out)  # an earlier run's figure
    assert code == 0 and "replaces" not in out_text, err
    earlier = (out / "maxunpool.png").stat().st_mtime_ns
    (out / "mine.png").write_bytes(b"the learner's own file")
    code, out_text, err = run_main("--maxunpool", out_dir=out)
    assert code == 0, err
    assert f"saved: {out / 'maxunpool.png'} (替换了上一次的图 replaces the earlier one)" in out_text
    assert (out / "maxunpool.png").stat().st_mtime_ns >= earlier
    assert (out / "mine.png").read_bytes() == b"the learner's own file"
    assert sorted(p.name for p in out.iterdir()) == ["maxunpool.png", "mine.png"]


@pytest.mark.parametrize(
    "theirs",
    [b"the learner's own picture", "a plain PNG"],
    ids=["not a PNG", "a PNG no script drew"],
)
def test_a_file_with_a_figures_name_that_no_script_drew_is_never_replaced(
    run_main, tmp_path, theirs
):
    out = tmp_path / "mine"
    out.mkdir()
    if isinstance(theirs, bytes):
        (out / "maxunpool.png").write_bytes(theirs)
    else:
        Image.new("RGB", (8, 8), (1, 2, 3)).save(out / "maxunpool.png")
    before = (out / "maxunpool.png").read_bytes()
    code, out_text, err = run_main("--maxunpool", out_dir=out)
    assert code == 1 and out_text == "" and len(err.splitlines()) == 1
    assert "exists and no lesson script drew it: it is left alone" in err
    assert (out / "maxunpool.png").read_bytes() == before


def test_the_gallery_is_not_an_out_folder_a_run_may_fill(run_main):
    code, _, err = run_main("--maxunpool", out_dir=os.path.join(REPO_ROOT, "docs", "figures"))
    assert code == 1 and "no lesson script drew it" in err


def test_help_says_what_out_replaces(capsys):
    assert run_cli(load_script("nn_layers_others").main, ["--help"]) == 0
    assert "replaces only a figure of the same name that these scripts drew" in " ".join(
        capsys.readouterr().out.split()
    )


def test_the_input_image_is_never_overwritten_by_a_figure_of_the_same_name(run_main, tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out / "maxpool.png")
    before = (out / "maxpool.png").read_bytes()
    code, _, err = run_main("--maxpool", "--image", str(out / "maxpool.png"), out_dir=out)
    assert code == 1 and "would overwrite --image" in err and len(err.splitlines()) == 1
    assert (out / "maxpool.png").read_bytes() == before


def test_out_is_not_created_when_the_image_fails_to_load(run_main, tmp_path):
    code, _, err = run_main("--maxpool", "--image", str(tmp_path / "missing.png"))
    assert code == 1 and "image not found" in err
    assert not (tmp_path / "figures").exists()


def test_an_mplbackend_matplotlib_cannot_use_never_matters_without_show(tmp_path):
    result = run_script(
        "--maxunpool", "--linear", "--out", "out", cwd=tmp_path, env={"MPLBACKEND": "nonsense"}
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert saved_figures(tmp_path / "out") == {"maxunpool.png"}


@pytest.mark.parametrize(
    "backend",
    [
        # Jupyter's inline backend, which `!python script.py` inherits from a kernel
        "module://matplotlib_inline.backend_inline",
        # a module that is no backend: matplotlib finds no FigureCanvas in it (AttributeError)
        "module://os",
    ],
)
def test_an_mplbackend_that_cannot_be_used_with_show_is_one_line_and_figures_are_saved(
    tmp_path, backend
):
    env = {"MPLBACKEND": backend, "DISPLAY": ":99"}
    result = run_script("--maxunpool", "--show", "--out", "out", cwd=tmp_path, env=env)
    assert result.returncode == 0
    (line,) = result.stderr.splitlines()
    assert f"MPLBACKEND={backend}" in line and "figures are saved only" in line
    assert saved_figures(tmp_path / "out") == {"maxunpool.png"}


def test_a_dangling_symlink_as_out_says_so(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    result = run_script("--maxunpool", "--out", "link", cwd=tmp_path)
    assert_one_line_error(result, "--out is a broken link: link -> ")


def test_an_out_that_looks_like_a_file_name_is_refused(tmp_path):
    result = run_script("--maxunpool", "--out", "result.png", cwd=tmp_path)
    assert_one_line_error(
        result, "--out names a folder for all the figures, not a file: result.png"
    )
    assert not (tmp_path / "result.png").exists()


def test_a_failed_save_names_the_figure_not_the_temporary_file(tmp_path):
    class DiskFull:
        def savefig(self, *args, **kwargs):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as raised:
        save_figure(DiskFull(), str(tmp_path), "maxpool")
    assert (
        str(raised.value)
        == f"无法保存 cannot save {tmp_path / 'maxpool.png'}: No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_replaced_figure_keeps_the_mode_the_user_gave_it(run_main, tmp_path):
    out = tmp_path / "figures"
    assert run_main("--maxunpool", out_dir=out)[0] == 0  # an earlier run's figure
    os.chmod(out / "maxunpool.png", 0o600)
    code, _, err = run_main("--maxunpool", out_dir=out)
    assert code == 0, err
    assert (out / "maxunpool.png").stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(not LINUX, reason="uses Linux's read-only /sys")
def test_an_unwritable_out_suggests_another_folder(tmp_path):
    result = run_script("--maxunpool", "--out", "/sys/nope", cwd=tmp_path)
    assert_one_line_error(
        result, "cannot write to --out /sys/nope", "choose a folder you can write with --out DIR"
    )


# ---------------------------------------------------------------- files named like a figure


@pytest.mark.skipif(not LINUX, reason="mkfifo is POSIX's")
def test_a_fifo_named_like_a_figure_is_left_alone_at_once(tmp_path):
    # reading it to see whether we drew it would wait for a writer forever
    os.mkfifo(tmp_path / "maxunpool.png")
    result = run_script("--maxunpool", "--out", str(tmp_path), cwd=tmp_path, timeout=60)
    assert_one_line_error(result, "maxunpool.png exists and no lesson script drew it")


def test_a_picture_bomb_named_like_a_figure_is_left_alone(tmp_path):
    # a PNG whose header claims 30000×30000 pixels: PIL refuses to open it (DecompressionBomb)
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + header))
    (tmp_path / "maxunpool.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk)
    result = run_script("--maxunpool", "--out", str(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, "maxunpool.png exists and no lesson script drew it")


def test_a_file_saved_while_the_figure_was_drawn_is_not_replaced(tmp_path):
    # --out is checked before the work and again at the moment of replacing: a learner's own
    # maxpool.png saved there during the run stays
    from matplotlib import pyplot as plt

    fig = plt.figure()
    (tmp_path / "maxpool.png").write_bytes(b"my own picture")
    with pytest.raises(InputError, match="was not written by these scripts"):
        save_figure(fig, str(tmp_path), "maxpool")
    plt.close(fig)
    assert (tmp_path / "maxpool.png").read_bytes() == b"my own picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maxpool.png"]  # no hidden leftover
    (tmp_path / "new").mkdir()
    save_figure(plt.figure(), str(tmp_path / "new"), "maxpool")
    assert (tmp_path / "new" / "maxpool.png").exists()  # a new file is written as always
    plt.close("all")


# ---------------------------------------------------------------- an open window and signals


# show_figures as a section's run reaches it, with no torch loaded (torch's threads can take the
# signal and wake Tk by chance): a window that is open and idle
IDLE_WINDOW = """\
import sys
sys.path.insert(0, sys.argv[1])
from lesson_cli import end_quietly_on_signals
end_quietly_on_signals()
import matplotlib
matplotlib.use("TkAgg")
from matplotlib import pyplot as plt
from lesson_cli.figures import show_figures
plt.plot([1, 2])
print("shown", flush=True)
show_figures(True)
"""


@pytest.mark.skipif(XVFB is None, reason="Xvfb is not installed (.ci/run installs it as root)")
@pytest.mark.parametrize(
    "signal_name, code, line",
    [("SIGINT", 130, "已中断 interrupted\n"), ("SIGTERM", 143, "已终止 terminated\n"),
     ("SIGHUP", 129, "")],
)  # fmt: skip
def test_a_signal_ends_a_run_whose_window_is_open_and_idle(tmp_path, signal_name, code, line):
    # Tk waits in C while its window is idle: Ctrl-C in the terminal did nothing until the mouse
    # moved over the window (a plain matplotlib script ends at once)
    import signal
    import subprocess
    import time

    with virtual_display() as display:
        process = subprocess.Popen(
            [sys.executable, "-c", IDLE_WINDOW, REPO_ROOT],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, DISPLAY=display, PYTHONIOENCODING="utf-8"),
            preexec_fn=signals_as_a_terminal_leaves_them,
        )
        process.stdout.readline()
        time.sleep(1.0)  # the window is open and idle
        process.send_signal(getattr(signal, signal_name))
        try:
            err = process.communicate(timeout=5)[1].decode()
        finally:
            process.kill()
    assert (process.returncode, err) == (code, line)
