"""What the learner's console sees: one-line errors, output in the console's own encoding, and
Ctrl-C as one line.

``run_command(main)`` is what a script's ``if __name__ == "__main__"`` calls: it alone installs
the Ctrl-C handler and the console's error handler, so a learner's own script or a notebook
that imports our code keeps Python's usual behaviour. ``run_cli(main, argv)`` runs ``main`` with
the same one-line errors and changes nothing in the process: tests and tools call it.
"""

import codecs
import os
import sys

_TEMPORARY_FILES = set()  # figures being written: removed if the user presses Ctrl-C
_AS_COMMAND = False  # set by run_command: the process is ours to end


class InputError(Exception):
    """Bad input the user can fix: reported as one line on stderr, with a non-zero exit."""


def run_command(main):
    """Run a script's ``main`` as the program: install our Ctrl-C and console handling, then
    return its exit code for ``sys.exit``."""
    global _AS_COMMAND
    _AS_COMMAND = True
    exit_quietly_on_ctrl_c()
    use_console_output()
    from lesson_cli.figures import remember_backend

    remember_backend()
    return run_cli(main)


def exit_quietly_on_ctrl_c():
    """Ctrl-C ends a lesson script at once with one line and exit code 130, wherever it lands.

    A KeyboardInterrupt raised inside matplotlib can come out as another error (a figure save
    turns it into "ValueError: Invalid bounding box"), so the signal is handled here instead,
    between two Python instructions of the main thread.
    """
    import signal

    def interrupted(signum, frame):
        for path in list(_TEMPORARY_FILES):
            try:
                os.remove(path)
            except OSError:
                pass
        try:
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            pass
        os.write(2, "已中断 interrupted\n".encode(sys.stderr.encoding or "utf-8", "replace"))
        os._exit(130)

    signal.signal(signal.SIGINT, interrupted)


def run_cli(main, argv=None):
    """Run ``main(argv)``: bad input, a failed write, too little memory and Ctrl-C each end as
    one line on stderr and a non-zero exit code, never a traceback."""
    out_of_memory_line = f"错误 error: {OUT_OF_MEMORY}\n".encode(
        getattr(sys.stderr, "encoding", None) or "utf-8", "lesson_stand_in"
    )
    try:
        code = main(argv)
        sys.stdout.flush()  # a failed write (a full disk) must fail here, not at interpreter exit
        return code
    except SystemExit as exit:  # argparse: --help, or a usage error it has already printed
        return exit.code
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head`: the reader has what it wanted; end quietly
        _discard_stdout()
        return 141  # 128 + SIGPIPE, what a tool killed by a closed pipe returns
    except (InputError, OSError) as error:  # OSError: e.g. the disk filled up during a save
        if _is_failed_write(error):
            error = f"无法写出输出 cannot write the output: {error.strerror or error}"
            _discard_stdout()
        print(f"错误 error: {one_line(error)}", file=sys.stderr)
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


OUT_OF_MEMORY = (
    "内存不够 out of memory: try a smaller --image, or close other programs (the sample image "
    "needs about 1 GB)"
)


def one_line(message):
    """A message on one line, whatever the file names in it contain (a newline, a tab)."""
    return str(message).replace("\r", "\\r").replace("\n", "\\n")


def _is_failed_write(error):
    """A write to stdout that failed (stdout is a full disk, a broken device): an OSError with
    an errno and no file name; our own file errors all name their file."""
    import errno

    return (
        isinstance(error, OSError)
        and error.filename is None
        and error.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG)
    )


def _discard_stdout():
    """Point stdout at the null device, so that Python's own flush at exit has nothing to fail on
    (it would print two raw 'Exception ignored ...' lines)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (an IDE, pytest's capture)
        pass


# Symbols we print that some code pages lack (GBK: ² ᵀ ∂; cp1252 also arrows, ≤ ≥ and Chinese
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
