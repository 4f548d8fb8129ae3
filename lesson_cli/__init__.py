"""The command line the lesson scripts share: one package, a module per concern.

- ``console``: one-line errors, the console's encoding, Ctrl-C, and ``run_command``, which a
  script's ``if __name__ == "__main__"`` calls; nothing here changes a process until then.
- ``sections``: a table of sections becomes the flags: ``--list``, ``--image``, ``--out``,
  ``--show``.
- ``images``: loading ``--image`` as 8-bit RGB, with one-line errors.
- ``figures``: the ``--out`` folder, matplotlib's backend, saving and showing figures.
- ``environment``: the installed packages, checked against requirements.txt.

``begin_command``, here, is the first line a script runs: a learner's file that would hide a
module (a ``random.py`` in lesson3/) is one line, and the signal handlers start at once.

Every module imports torch, PIL and matplotlib inside the functions that use them, so that
``--help`` and ``--list`` answer without loading them.
"""

# signal.py imports enum first, 7 ms of the start-up during which Ctrl-C would still be a
# traceback; _signal, which it wraps, is loaded with Python itself
import _signal
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The lesson scripts in lesson3/, in the order the READMEs list them: the gallery, the notebooks,
# the benchmark and the tests all go through this one list.
LESSON_SCRIPTS = (
    "nn_layers_others",
    "beyond_the_article",
    "beyond_activations",
    "claims_pooling",
    "claims_pooling_parameters",
    "claims_linear_activations",
)

# The libraries the scripts import: a learner's file of the same name in the repository's folders
# would be imported in their place (as would a file named like a module of Python's own).
LIBRARIES = ("torch", "torchvision", "matplotlib", "PIL", "numpy", "IPython", "ipywidgets")


def begin_command(module_name):
    """The first thing a script does when run (``module_name`` is ``"__main__"``; imported, it
    does nothing): say in one line which of the learner's files would hide a module Python or
    the scripts need, then let Ctrl-C, an IDE's stop and a closed terminal end the run with one
    line from here on (console.end_quietly_on_signals). It uses only what Python has loaded
    before any script starts, so no file in lesson3/ can hide it."""
    if module_name != "__main__":
        return
    hidden = hiding_files()
    if hidden:
        path, module = hidden[0]
        sys.exit(
            f"错误 error: {path} 和模块 {module} 同名，会挡住它，请改名"
            f" / {path} has the name of the module {module} and hides it from the scripts:"
            f" rename it (e.g. my_{os.path.basename(path)})"
        )
    end_quietly_on_signals()


def hiding_files():
    """[(path from the repository, module)] for each module file or package in a folder of the
    repository on sys.path whose name is a module of Python's or of LIBRARIES."""
    protected = module_names_of_python() | set(LIBRARIES)
    found = []
    for folder in dict.fromkeys(os.path.realpath(p or ".") for p in sys.path):
        # the repository's folders, not a virtual environment's site-packages inside it
        if REPO_ROOT not in (folder, os.path.dirname(folder)) or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            module = name[:-3] if name.endswith(".py") else name
            is_module = name.endswith(".py") or os.path.isfile(os.path.join(path, "__init__.py"))
            if is_module and module in protected:
                found.append((os.path.relpath(path, REPO_ROOT).replace(os.sep, "/"), module))
    return found


def module_names_of_python():
    """The names of Python's own modules: sys.stdlib_module_names (Python 3.10+), else the
    files of the folder os came from and its lib-dynload, and the modules built in."""
    if hasattr(sys, "stdlib_module_names"):
        return set(sys.stdlib_module_names)
    stdlib = os.path.dirname(os.__file__)
    names = set(sys.builtin_module_names)
    for folder in (stdlib, os.path.join(stdlib, "lib-dynload")):
        for name in os.listdir(folder) if os.path.isdir(folder) else ():
            names.add(name.partition(".")[0])
    return names


# What each signal a terminal or an IDE sends means to the learner; the exit code is 128 + n.
SIGNAL_LINES = {"SIGINT": "已中断 interrupted", "SIGTERM": "已终止 terminated", "SIGHUP": None}
_HANDLED = []  # [True] once end_quietly_on_signals has run


def end_quietly_on_signals():
    """Ctrl-C, an IDE's stop (SIGTERM) and a closed terminal (SIGHUP) end a command at once,
    wherever they land: no half-written figure is left behind (console.clean_up_at_once),
    Ctrl-C and SIGTERM print one line, and the exit code is 128 + the signal's number (130 for
    Ctrl-C). A signal ignored when the command started stays ignored.

    A KeyboardInterrupt raised inside matplotlib can come out as another error (a figure save
    turns it into "ValueError: Invalid bounding box"), so the signals are handled here instead,
    between two Python instructions of the main thread.
    """
    if _HANDLED:  # begin_command installed them at start-up: run_command finds them there
        return
    _HANDLED.append(True)
    lines = {
        getattr(_signal, name): line
        for name, line in SIGNAL_LINES.items()
        if hasattr(_signal, name)
    }  # fmt: skip  (Windows has no SIGHUP)

    def ended(signum, frame):
        # console may be half imported when the signal comes: then it has nothing to undo yet
        clean_up = getattr(sys.modules.get("lesson_cli.console"), "clean_up_at_once", None)
        if clean_up is not None:
            clean_up()
        try:
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            pass
        if lines[signum]:
            encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
            try:
                os.write(2, (lines[signum] + "\n").encode(encoding, "replace"))
            except OSError:  # no stderr left (a closed terminal)
                pass
        os._exit(128 + signum)

    for number in lines:
        if _signal.getsignal(number) is _signal.SIG_IGN:
            # the caller chose to ignore it (nohup, trap '' TERM, Ctrl-C for a job started with
            # &): it stays ignored
            continue
        _signal.signal(number, ended)
