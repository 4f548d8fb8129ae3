"""What the learner's console sees: one-line errors, output in the console's own encoding, and
Ctrl-C as one line.

``run_command(main)`` is what a script's ``if __name__ == "__main__"`` calls: it alone installs
the Ctrl-C handler and the console's error handler, so a learner's own script or a notebook
that imports our code keeps Python's usual behaviour. ``run_cli(main, argv)`` runs ``main`` with
the same one-line errors and changes nothing in the process: tests and tools call it.
"""

import codecs
import contextlib
import errno
import os
import sys

from lesson_cli import end_quietly_on_signals

_TEMPORARY_FILES = set()  # figures being written: removed if the user presses Ctrl-C
_AS_COMMAND = False  # set by run_command: the process is ours to end


class InputError(Exception):
    """Bad input the user can fix: reported as one line on stderr, with a non-zero exit."""


def run_command(main):
    """Run a script's ``main`` as the program: install our Ctrl-C and console handling, then
    return its exit code for ``sys.exit``."""
    global _AS_COMMAND
    _AS_COMMAND = True
    end_quietly_on_signals()  # begin_command did, in a script: here for the tools and tests
    if sys.stderr is None:  # started with stderr closed (`2>&-`): its lines go nowhere, and
        sys.stderr = open(os.devnull, "w")  # the exit code still says what happened
    if sys.stdout is None:  # started with stdout closed (`>&-`): nothing it prints could be seen
        print("错误 error: 标准输出已关闭 stdout is closed: nothing to print to", file=sys.stderr)
        return 1
    use_console_output()
    remember_backend()
    return run_cli(main)


_REQUESTED_BACKEND = []  # the MPLBACKEND a learner set, kept by remember_backend


def remember_backend():
    """Keep the MPLBACKEND a learner set for --show (figures.use_figure_backend reads it), and
    give matplotlib Agg until then: it would reject a bad value (a typo, Jupyter's inline
    backend) at import, wherever that is."""
    wanted = os.environ.get("MPLBACKEND")
    if wanted and wanted.lower() != "agg":
        _REQUESTED_BACKEND[:] = [wanted]
        os.environ["MPLBACKEND"] = "Agg"


def requested_backend():
    """The MPLBACKEND the learner set before run_command replaced it, or None."""
    return _REQUESTED_BACKEND[0] if _REQUESTED_BACKEND else None


_CLEANUPS = []  # functions run before the process ends on a signal (children, folders)


@contextlib.contextmanager
def cleanup_on_signal(function):
    """While the block runs, a signal that ends the command first calls ``function()``: a tool
    stops its child processes and removes its temporary folder there."""
    _CLEANUPS.append(function)
    try:
        yield
    finally:
        _CLEANUPS.remove(function)


def run_child(argv, what=None, **popen):
    """subprocess.run for a tool's child process: a signal that ends the tool stops the child
    first, and a child that fails is an InputError naming ``what`` (default: the command) and
    its exit code, never a CalledProcessError traceback."""
    import subprocess

    try:
        process = subprocess.Popen(argv, **popen)
    except OSError as error:
        raise InputError(f"无法运行 cannot run {argv[0]}: {error.strerror or error}") from None

    with cleanup_on_signal(lambda: kill_and_reap(process)):
        out, err = process.communicate()
    if process.returncode != 0:
        raise InputError(
            f"{what or ' '.join(argv)} 失败 failed with exit code {process.returncode}"
        )
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def kill_and_reap(process):
    """Stop a child process (a subprocess.Popen) at once and reap it, so that no zombie is left
    for a container's init to collect; safe inside a signal's handler, where an interrupted
    communicate() or wait() holds the lock Popen.wait would need."""
    process.kill()
    try:
        os.waitpid(process.pid, 0)
    except OSError:  # already reaped; Windows' waitpid wants a handle
        pass


def clean_up_at_once():
    """What a signal's handler (lesson_cli.end_quietly_on_signals) undoes before the process
    ends without Python's own clean-up: the tools' cleanups, the figures being written, and the
    folder matplotlib made for its settings when it had none it could write (MPLCONFIGDIR
    unusable, a read-only HOME), which its atexit function would have removed."""
    for cleanup in reversed(_CLEANUPS):
        try:
            cleanup()
        except Exception:  # the process is ending: what could not be undone stays
            pass
    for path in list(_TEMPORARY_FILES):
        try:
            os.remove(path)
        except OSError:
            pass
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        import shutil
        import tempfile

        try:
            folder = matplotlib.get_configdir()
        except Exception:  # half imported when the signal came
            return
        made_for_want_of_one = os.path.basename(folder).startswith("matplotlib-")
        if made_for_want_of_one and os.path.dirname(folder) == tempfile.gettempdir():
            shutil.rmtree(folder, ignore_errors=True)


def run_cli(main, argv=None):
    """Run ``main(argv)``: bad input, a failed write, too little memory and Ctrl-C each end as
    one line on stderr and a non-zero exit code, never a traceback."""
    out_of_memory_line = f"错误 error: {OUT_OF_MEMORY}\n".encode(
        getattr(sys.stderr, "encoding", None) or "utf-8", "lesson_stand_in"
    )
    try:
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse: --help, or a usage error it has already printed
            code = exit.code
        if sys.stdout is not None:
            sys.stdout.flush()  # a failed write (a full disk) must fail here, not at exit
        return code
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        _flush_or_discard_stdout()
        return 130
    except BrokenPipeError:  # `... | head`: the reader has what it wanted; end quietly
        _discard_stdout()
        return 141  # 128 + SIGPIPE, what a tool killed by a closed pipe returns
    except (InputError, OSError) as error:  # OSError: e.g. the disk filled up during a save
        if _is_failed_write(error):
            error = f"无法写出输出 cannot write the output: {error.strerror or error}"
            _discard_stdout()
        elif "No usable temporary directory" in str(error):  # tempfile could write nowhere
            error = f"无法写入任何文件 / no file can be written anywhere{file_size_limit()}"
        elif getattr(error, "errno", None) == errno.EFBIG and "ulimit" not in str(error):
            error = f"{error}{file_size_limit()}"  # "File too large": a limit, not the file
        print(f"错误 error: {one_line(error)}", file=sys.stderr)
        _flush_or_discard_stdout()
        return 1
    except (MemoryError, RuntimeError, ImportError) as error:
        # torch reports a failed allocation as a RuntimeError, and a library that can't be
        # mapped into memory as an ImportError; anything else is a bug and keeps its traceback
        if not isinstance(error, MemoryError) and not is_out_of_memory(error):
            raise
        if _AS_COMMAND:
            # Memory is short: print() itself can fail, and a half-loaded libtorch can crash or
            # spin while Python shuts down. Write the bytes made in advance, and leave now.
            os.write(2, out_of_memory_line)
            os._exit(1)
        print(f"错误 error: {OUT_OF_MEMORY}", file=sys.stderr)
        return 1


def is_out_of_memory(error):
    words = ("can't allocate memory", "Cannot allocate memory", "not enough memory")
    words += ("failed to map segment",)  # a shared library (libtorch) that did not fit
    text = str(error) + str(error.__cause__ or "") + str(error.__context__ or "")
    return any(w in text for w in words)


# Measured with the sample image, torch 2.14.1's CUDA build on the CPU, Linux x86_64: a whole
# run of any script peaks at 0.9 GB of memory (RSS), and needs 3.7 GB of address space under
# `ulimit -v`, most of it the CUDA libraries torch maps without using them.
OUT_OF_MEMORY = (
    "内存不够 out of memory: try a smaller --image, or close other programs (with the sample "
    "image a run uses about 0.9 GB of memory, and 3.7 GB of address space under ulimit -v)"
)


def new_temporary_file(folder, name):
    """A new hidden file in ``folder`` to be renamed to ``name`` once written whole. It is
    removed if a signal ends the command (registered before it exists, so no signal can fall
    between the two), and made with mode 0666, so the umask gives it the usual mode
    (tempfile.mkstemp makes files private, 0600, and reading the umask changes it)."""
    import secrets

    while True:
        path = os.path.join(folder, f".{name}-{secrets.token_hex(4)}")
        _TEMPORARY_FILES.add(path)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return path
        except FileExistsError:
            _TEMPORARY_FILES.discard(path)
        except BaseException:
            _TEMPORARY_FILES.discard(path)
            raise


def replace_atomically(path, write, failure="无法写入 cannot write", may_replace=None):
    """Call ``write(tmp_path)`` to write a hidden file beside ``path``, then rename it over
    ``path``: a failure or a signal never leaves a half-written file, nor loses the old one. A
    replaced file keeps the mode it had. An OSError comes out naming ``path`` after
    ``failure``, never the hidden file.

    ``may_replace(path)``, where given, is asked just before the rename whether a file found at
    ``path`` may be replaced (a learner may have saved one there while the work ran); when it
    says no, the new file is dropped and an InputError says so."""
    import stat

    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None  # a new file: the umask decides, as for any file
    folder, name = os.path.split(path)
    tmp_path = None
    try:
        tmp_path = new_temporary_file(folder or ".", name)
        write(tmp_path)
        if mode is not None:
            os.chmod(tmp_path, mode)
        if may_replace is not None and os.path.lexists(path) and not may_replace(path):
            raise InputError(
                f"{path} 不是本课脚本写的，没有替换 / exists and was not written by these scripts:"
                " it is left alone; move it, or choose another folder"
            )
        os.replace(tmp_path, path)
    except BaseException as error:
        if tmp_path is not None and os.path.exists(tmp_path):
            os.remove(tmp_path)
        if isinstance(error, OSError):
            reason = error.strerror or error
            if error.errno == errno.EFBIG:  # "File too large": a limit, not the file's size
                reason = f"{reason}{file_size_limit()}"
            raise OSError(f"{failure} {path}: {reason}") from None
        raise
    finally:
        _TEMPORARY_FILES.discard(tmp_path)


def file_size_limit():
    """', with a file-size limit of N bytes (ulimit -f)' where one is set, else ''."""
    try:
        import resource
    except ImportError:  # Windows
        return ""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return ": is the disk full?"
    return f": the file-size limit is {limit} bytes (ulimit -f)"


def one_line(message):
    """A message on one line, whatever the file names in it contain (a newline, a tab), and a
    number too long to read (5,000 digits pasted) cut to its first digits and its length."""
    import re

    text = str(message).replace("\r", "\\r").replace("\n", "\\n")
    return re.sub(
        rf"\d{{{LONGEST_NUMBER + 1},}}",
        lambda digits: f"{digits[0][:12]}… ({len(digits[0])} digits)",
        text,
    )


LONGEST_NUMBER = 40  # digits a message echoes whole


def _is_failed_write(error):
    """A write to stdout that failed (stdout is a full disk, a broken device): an OSError with
    an errno and no file name; our own file errors all name their file."""
    return (
        isinstance(error, OSError)
        and error.filename is None
        and error.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG)
    )


def _flush_or_discard_stdout():
    """After the one line that ends a run: flush what was printed, and where that fails too
    (stdout is a full disk), drop it, so that Python's own flush at exit adds no "Exception
    ignored" lines and exit code 120."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        _discard_stdout()


def _discard_stdout():
    """Point stdout at the null device, so that Python's own flush at exit has nothing to fail on
    (it would print two raw 'Exception ignored ...' lines)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (an IDE, pytest's capture)
        pass


# Symbols we print that some code pages lack (GBK: ² ᵀ ∂ ⌊ ⌉; cp1252 also arrows, ≤ ≥ and Chinese
# punctuation), and what is printed in their place; anything else unencodable becomes a \u escape.
STAND_INS = {
    "²": "^2",
    "ᵀ": "^T",
    "∂": "d",
    "→": "->",
    "←": "<-",
    "∈": " in ",
    "∞": "inf",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "≈": "~",
    "⌊": "floor(",
    "⌋": ")",
    "⌈": "ceil(",
    "⌉": ")",
    "■": "#",
    "−": "-",
    "—": "-",
    "–": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "、": ",",
    "。": ".",
    "（": "(",
    "）": ")",
    "，": ",",
    "：": ":",
    "；": ";",
}


def _stand_in(error):
    """Codec error handler: a stand-in for each character the console's encoding lacks."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    text = "".join(
        STAND_INS.get(ch) or ch.encode("ascii", "backslashreplace").decode() for ch in bad
    )
    return text, error.end


# Registering a codec error handler changes nothing until a stream is told to use it.
codecs.register_error("lesson_stand_in", _stand_in)


def use_console_output():
    """Print in the encoding the learner's console has (GBK on a Chinese Windows, UTF-8
    elsewhere), never a stricter one: where Python would raise on a character that encoding
    lacks (a stand-in symbol, a file name that is not valid UTF-8), print a stand-in instead."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "surrogateescape"):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="lesson_stand_in")
