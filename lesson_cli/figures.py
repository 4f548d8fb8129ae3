"""Figures: the ``--out`` folder, matplotlib's backend (windows only where they can open),
saving each figure atomically, and showing them as the article's ``plt.show()`` does."""

import os
import stat
import sys
import tempfile

from lesson_cli import REPO_ROOT
from lesson_cli.console import _TEMPORARY_FILES, InputError, one_line

DEFAULT_OUT_DIR = os.path.join(REPO_ROOT, "outputs")

# matplotlib backends that draw to files only (matplotlib's own list of non-interactive ones).
NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}

_REQUESTED_BACKEND = None


def remember_backend():
    """Keep the MPLBACKEND a learner set for --show, and give matplotlib Agg until then: it
    would reject a bad value (a typo, Jupyter's inline backend) at import, wherever that is."""
    global _REQUESTED_BACKEND
    wanted = os.environ.get("MPLBACKEND")
    if wanted and wanted.lower() != "agg":
        _REQUESTED_BACKEND = wanted
        os.environ["MPLBACKEND"] = "Agg"


FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf", ".svg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


def prepare_output_dir(path):
    """Create ``path`` if needed and check that a file can be written there, before any work."""
    if os.path.islink(path) and not os.path.exists(path):
        raise InputError(
            f"--out 是失效的链接 / --out is a broken link: {path} -> {os.readlink(path)}"
        )
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"--out 不是文件夹 / --out is a file, not a folder: {path}")
    if not os.path.exists(path) and path.lower().endswith(FILE_SUFFIXES):
        raise InputError(
            f"--out 是文件夹，不是文件名 / --out names a folder for all the figures, not a file: "
            f"{path} (e.g. --out results)"
        )
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        reason = error.strerror or error
        raise InputError(
            f"无法写入 --out 文件夹 / cannot write to --out {path}: {reason}"
            " (choose a folder you can write with --out DIR)"
        ) from None
    return path


def refuse_to_overwrite(image, out_dir, figure_names):
    """The input picture must never be replaced by a figure that has its name."""
    if image is None or not os.path.exists(image):
        return
    for name in figure_names:
        figure = os.path.join(out_dir, name + ".png")
        if os.path.exists(figure) and os.path.samefile(figure, image):
            raise InputError(
                f"--image 会被图片覆盖 / the figure {name}.png would overwrite --image {image}: "
                "choose another --out"
            )


def has_display():
    """Whether windows can open: Linux and other X11/Wayland systems need DISPLAY or
    WAYLAND_DISPLAY; Windows and macOS always have a desktop."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def use_figure_backend(show):
    """Pick matplotlib's backend before any figure is drawn; return whether windows will open.

    ``show`` is True, False or None (show when a display exists). Without showing, the file-only
    Agg backend is used whatever MPLBACKEND says: it needs no display and starts fastest. With
    ``--show``, what stops the windows (no display, a backend that can't be used: a typo, a
    missing GUI toolkit, Jupyter's inline backend outside Jupyter) is one line on stderr, and the
    figures are still saved.
    """
    if show is False or (show is None and not has_display()):
        _use_agg()
        return False
    if not has_display():
        _use_agg()
        print(
            "提示 note: 没有显示器，图片已保存但不弹出窗口 / no display: figures saved, not shown",
            file=sys.stderr,
        )
        return False
    import matplotlib
    from matplotlib import pyplot as plt

    wanted = _REQUESTED_BACKEND
    if wanted:
        try:
            if "inline" in wanted.lower() and "ipykernel" not in sys.modules:
                # `!python script.py` in Jupyter inherits the kernel's inline backend, which
                # outside a kernel prints "Figure(1000x380)" instead of showing anything
                raise ValueError("Jupyter's inline backend works only inside a Jupyter kernel")
            plt.switch_backend(wanted)
        except (ImportError, ValueError, RuntimeError) as error:
            _use_agg()
            if show:
                print(
                    f"提示 note: MPLBACKEND={wanted} 不可用，图片只保存"
                    f" / cannot be used ({one_line(error)}), figures are saved only",
                    file=sys.stderr,
                )
            return False
    backend = matplotlib.get_backend()
    if backend.lower() in NON_INTERACTIVE_BACKENDS:
        if show:
            print(
                f"提示 note: matplotlib 的 {backend} 只画到文件 / backend {backend} draws to"
                " files only: figures saved, not shown",
                file=sys.stderr,
            )
        return False
    return True


def _use_agg():
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib.pyplot" in sys.modules:  # switching closes open figures: say so, no warning
        sys.modules["matplotlib.pyplot"].close("all")
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")


def save_figure(fig, out_dir, name):
    """Save ``fig`` as ``out_dir/name.png`` and return the path.

    It is written to a temporary file first and then renamed over the old one, so a failed save
    never leaves a half-written PNG or destroys the previous figure. A replaced figure keeps the
    file mode it had; a new one gets the usual mode (0644 under the usual umask).
    """
    path = os.path.join(out_dir, name + ".png")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    tmp_path = None
    try:
        tmp_path = _new_temporary_file(out_dir, name)
        # compress_level=1: about twice as fast as PIL's default 6, for files ~10% larger
        fig.savefig(tmp_path, format="png", pil_kwargs={"compress_level": 1})
        if mode is not None:
            os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException as error:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.remove(tmp_path)
        if isinstance(error, OSError):  # name the figure, not the hidden temporary file
            raise OSError(f"无法保存 cannot save {path}: {error.strerror or error}") from None
        raise
    finally:
        _TEMPORARY_FILES.discard(tmp_path)
    return path


def _new_temporary_file(out_dir, name):
    """A new hidden file beside the figure, made with mode 0666 so that the umask gives it the
    usual mode (tempfile.mkstemp would make it private, 0600, and reading the umask changes it)."""
    import secrets

    while True:
        tmp_path = os.path.join(out_dir, f".{name}-{secrets.token_hex(4)}.png")
        try:
            fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        _TEMPORARY_FILES.add(tmp_path)
        os.close(fd)
        return tmp_path


def show_figures(windows):
    """Open the figures in windows like the article's plt.show() when ``windows`` is true (what
    use_figure_backend returned), then close them all; never blocks without a display."""
    from matplotlib import pyplot as plt

    if windows and plt.get_fignums():
        plt.show()
    plt.close("all")
