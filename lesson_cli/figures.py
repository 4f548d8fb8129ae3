"""Figures: the ``--out`` folder, matplotlib's backend (windows only where they can open),
saving each figure atomically, and showing them as the article's ``plt.show()`` does."""

import os
import sys
import tempfile

from lesson_cli import REPO_ROOT
from lesson_cli.console import InputError, one_line, replace_atomically, requested_backend

DEFAULT_OUT_DIR = os.path.join(REPO_ROOT, "outputs")

# matplotlib backends that draw to files only (matplotlib's own list of non-interactive ones).
NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}

FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf", ".svg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


def prepare_output_dir(path, option="--out"):
    """Create ``path`` if needed and check that a file can be written there, before any work;
    errors name ``option``, the flag that gave the folder."""
    if os.path.islink(path) and not os.path.exists(path):
        raise InputError(
            f"{option} 是失效的链接 / {option} is a broken link: {path} -> {os.readlink(path)}"
        )
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{option} 不是文件夹 / {option} is a file, not a folder: {path}")
    if not os.path.exists(path) and path.lower().endswith(FILE_SUFFIXES):
        raise InputError(
            f"{option} 是文件夹，不是文件名 / {option} names a folder for all the figures, "
            f"not a file: {path} (e.g. {option} results)"
        )
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        import errno

        reason = error.strerror or error
        if error.errno == errno.ENOENT and os.path.isdir(path):  # /proc, /sys: not for files
            reason = "这里不能创建文件 / files cannot be created there"
        raise InputError(
            f"无法写入 {option} 文件夹 / cannot write to {option} {path}: {reason}"
            f" (choose a folder you can write with {option} DIR)"
        ) from None
    return path


# Every figure a lesson script saves carries this PNG text: a file with a figure's name is
# replaced only when it has it, so a learner's own maxpool.png (or the gallery) is never lost.
FIGURE_MARK = ("Software", "pytorch-3.3 lesson3 figure")


# The gallery's light copies (docs/make_gallery.py) carry this instead: a run's --out never
# replaces them with full-size figures.
GALLERY_MARK = ("Software", "pytorch-3.3 lesson3 gallery")


def drawn_by_a_script(path, mark=FIGURE_MARK):
    """Whether the file at ``path`` is a figure a lesson script saved: a regular file (a FIFO
    would be read forever) whose first MARK_BYTES, opened as a PNG or GIF, carry ``mark`` (a
    PNG text before the pixels, a GIF comment). Nothing is decoded, so a picture bomb is just
    "not ours"."""
    import io
    import stat

    from PIL import Image

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as file:
            head = io.BytesIO(file.read(MARK_BYTES))
        with Image.open(head) as image:
            if image.format == "GIF":
                return image.info.get("comment") == mark[1].encode()
            return image.format == "PNG" and image.info.get(mark[0]) == mark[1]
    except Exception:  # anything PIL or the disk says: not a figure we drew
        return False


MARK_BYTES = 64 * 1024  # the mark is in a figure's header, within its first kilobyte


def may_replace_in(folder, own_folder=DEFAULT_OUT_DIR):
    """replace_atomically's ``may_replace`` for ``folder``: the repository's own folder for
    these files is the scripts' (earlier versions wrote there without the mark); elsewhere only
    what a lesson script drew is replaced."""
    ours = os.path.realpath(folder) == os.path.realpath(own_folder)
    return lambda path: ours or drawn_by_a_script(path)


def file_name(name):
    """A figure's file name: ``name`` as it is when it has a suffix (an animation's .gif),
    else ``name.png``."""
    return name if name.endswith(FILE_SUFFIXES) else name + ".png"


def refuse_to_overwrite(image, out_dir, figure_names):
    """Before any work: no figure may replace the input picture, or a file of the same name
    that no lesson script drew. The repository's own outputs/ is the scripts' (earlier
    versions saved their figures there without the mark)."""
    for name in figure_names:
        figure = os.path.join(out_dir, file_name(name))
        if not os.path.lexists(figure):
            continue
        if image is not None and os.path.exists(image) and os.path.samefile(figure, image):
            raise InputError(
                f"--image 会被图片覆盖 / the figure {file_name(name)} would overwrite --image "
                f"{image}: "
                "choose another --out"
            )
        if not may_replace_in(out_dir)(figure):
            raise InputError(
                f"--out 里已有不是本课脚本画的 {file_name(name)} / {figure} exists and no lesson "
                "script "
                "drew it: it is left alone; move it, or choose another --out"
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

    wanted = requested_backend()
    if wanted:
        try:
            if "inline" in wanted.lower() and "ipykernel" not in sys.modules:
                # `!python script.py` in Jupyter inherits the kernel's inline backend, which
                # outside a kernel prints "Figure(1000x380)" instead of showing anything
                raise ValueError("Jupyter's inline backend works only inside a Jupyter kernel")
            plt.switch_backend(wanted)
        except Exception as error:  # a module:// backend fails in whatever way its module does
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


def windows_can_open():
    """Whether pyplot's backend opens windows (use_figure_backend chose it: Agg when it will
    not). Jupyter's inline backend ("inline", or its module's name in older matplotlib) draws
    pictures, not windows."""
    from matplotlib import pyplot as plt

    backend = plt.get_backend().lower()
    inline = backend == "inline" or backend.endswith("backend_inline")
    return backend not in NON_INTERACTIVE_BACKENDS and not inline


def _use_agg():
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib.pyplot" in sys.modules:  # switching closes open figures: say so, no warning
        sys.modules["matplotlib.pyplot"].close("all")
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")


def save_figure(fig, out_dir, name):
    """Save ``fig`` as ``out_dir/name.png``, atomically (console.replace_atomically), with
    FIGURE_MARK; return the path and whether it replaced a file."""
    path = os.path.join(out_dir, name + ".png")
    replaced = os.path.exists(path)
    replace_atomically(
        path,
        # compress_level=1: about twice as fast as PIL's default 6, for files ~10% larger
        lambda tmp_path: fig.savefig(
            tmp_path,
            format="png",
            metadata=dict([FIGURE_MARK]),
            pil_kwargs={"compress_level": 1},
        ),
        failure="无法保存 cannot save",
        may_replace=may_replace_in(out_dir),
    )
    return path, replaced


def save_animation(animation, out_dir, name):
    """Save a matplotlib animation as ``out_dir/name`` (a GIF), atomically, with FIGURE_MARK as
    its comment; return the path and whether it replaced a file."""
    from matplotlib.animation import PillowWriter

    class MarkedPillowWriter(PillowWriter):
        # matplotlib's writer draws each frame a second time, names no format (PIL would guess
        # it from the temporary file's name) and writes no comment: the same GIF, without the
        # second drawing, with both
        def grab_frame(self, **savefig_kwargs):
            from matplotlib.backend_bases import FigureCanvasBase
            from PIL import Image

            canvas = self.fig.canvas  # Agg has just drawn the frame on it, when asked to
            if type(canvas).draw_idle is not FigureCanvasBase.draw_idle:
                canvas.draw()  # a window's canvas (Tk, Qt …) would draw it later, when idle
            width, height = canvas.get_width_height(physical=True)
            self._frames.append(
                Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba()).copy()
            )

        def finish(self):
            self._frames[0].save(
                self.outfile,
                format="GIF",
                save_all=True,
                append_images=self._frames[1:],
                duration=int(1000 / self.fps),
                loop=0,
                comment=FIGURE_MARK[1],
            )

    path = os.path.join(out_dir, name)
    replaced = os.path.exists(path)
    writer = MarkedPillowWriter(fps=1000 / animation._interval)
    replace_atomically(
        path,
        lambda tmp_path: animation.save(tmp_path, writer=writer),
        failure="无法保存 cannot save",
        may_replace=may_replace_in(out_dir),
    )
    return path, replaced


def show_figures(windows):
    """Open the figures in windows like the article's plt.show() when ``windows`` is true (what
    use_figure_backend returned), then close them all; never blocks without a display."""
    from matplotlib import pyplot as plt

    if windows and plt.get_fignums():
        # A GUI's event loop (Tk's, Qt's) waits in C while the window is idle, and Python runs a
        # signal's handler only when it runs again: Ctrl-C in the terminal would wait for the
        # next mouse move. A timer brings Python back every SIGNAL_CHECK_MS.
        timers = [
            plt.figure(n).canvas.new_timer(interval=SIGNAL_CHECK_MS) for n in plt.get_fignums()
        ]
        for timer in timers:
            timer.add_callback(lambda: None)
            timer.start()
        plt.show()
    plt.close("all")


SIGNAL_CHECK_MS = 100  # how late Ctrl-C may end a run whose windows are open
