"""Regenerate the figure gallery (docs/figures/) from the lesson3 scripts.

Runs each script exactly as a reader does (every section, headless), then stores each figure as
a light PNG: at most 800 pixels wide, 256 colours. With ``--figures DIR`` it uses the figures a
run of the scripts already saved there (``--out DIR``) instead of running them again.

    python docs/make_gallery.py [--dest DIR] [--jobs N] [--figures DIR]
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli import LESSON_SCRIPTS, REPO_ROOT
from lesson_cli.console import (
    InputError,
    cleanup_on_signal,
    kill_and_reap,
    replace_atomically,
    run_command,
)
from lesson_cli.figures import GALLERY_MARK, drawn_by_a_script, may_replace_in, prepare_output_dir
from lesson_cli.sections import first_line, one_line_argument_parser

SCRIPTS = [os.path.join(REPO_ROOT, "lesson3", name + ".py") for name in LESSON_SCRIPTS]
GALLERY_DIR = os.path.join(REPO_ROOT, "docs", "figures")
MAX_WIDTH = 800


def main(argv=None):
    parser = one_line_argument_parser(description=first_line(__doc__))
    parser.add_argument("--dest", default=GALLERY_DIR, help="default: docs/figures/")
    parser.add_argument(
        "--jobs", type=int, default=2, metavar="N", help="scripts run at once (default: 2)"
    )
    parser.add_argument(
        "--figures", metavar="DIR", help="use the figures in DIR instead of running the scripts"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= len(SCRIPTS):
        parser.error(f"--jobs must be from 1 to {len(SCRIPTS)}")
    if args.figures is not None and not os.path.isdir(args.figures):
        parser.error(f"--figures is not a folder: {args.figures}")
    dest = prepare_output_dir(args.dest, option="--dest")

    if args.figures is not None:
        write_light_copies(args.figures, dest)
        return 0
    with tempfile.TemporaryDirectory(prefix="lesson3-gallery-") as figures:
        with cleanup_on_signal(lambda: shutil.rmtree(figures, ignore_errors=True)):
            run_scripts(figures, args.jobs)
            write_light_copies(figures, dest)
    return 0


def write_light_copies(figures, dest):
    """Each figure a lesson script drew in ``figures`` (it carries FIGURE_MARK: a learner's
    holiday_photo.png there is left out) as a light PNG in ``dest``: at most 800 px wide, 256
    colours, with GALLERY_MARK; the animations' GIFs as they are. Each is written atomically
    and replaces only a figure the scripts or this gallery made (docs/figures/ is the
    gallery's)."""
    from PIL import Image, PngImagePlugin

    drawn_here = may_replace_in(dest, own_folder=GALLERY_DIR)

    def may_replace(path):
        return drawn_here(path) or drawn_by_a_script(path, mark=GALLERY_MARK)

    for name in sorted(os.listdir(figures)):
        source = os.path.join(figures, name)
        if name.startswith(".") or not name.endswith((".png", ".gif")):
            continue
        if not drawn_by_a_script(source):
            print(f"提示 note: 跳过 skipped {name}: 不是本课脚本画的 no lesson script drew it")
            continue
        path = os.path.join(dest, name)
        if name.endswith(".gif"):  # already light: 72 dpi, a palette

            def write(tmp_path, source=source):
                shutil.copyfile(source, tmp_path)

        else:
            with Image.open(source) as figure:
                figure = figure.convert("RGB")
                figure.thumbnail((MAX_WIDTH, MAX_WIDTH * 2))
                light = figure.quantize(colors=256)
            mark = PngImagePlugin.PngInfo()
            mark.add_text(*GALLERY_MARK)

            def write(tmp_path, light=light, mark=mark):
                light.save(tmp_path, format="PNG", optimize=True, pnginfo=mark)

        replace_atomically(path, write, failure="无法保存 cannot save", may_replace=may_replace)
        print(f"{path}  ({os.path.getsize(path) // 1024} KB)")


def run_scripts(figures, jobs):
    """Each script as a reader runs it, ``jobs`` at a time: each spends most of its time
    loading libraries on one core."""
    waiting = list(SCRIPTS)
    while waiting:
        batch, waiting = waiting[:jobs], waiting[jobs:]
        # each in a session of its own: a terminal's Ctrl-C reaches this process only, which
        # stops them (cleanup_on_signal) instead of each printing its own "interrupted"
        lessons = [
            (
                script,
                subprocess.Popen(
                    [sys.executable, script, "--out", figures, "--no-show"],
                    stdout=subprocess.DEVNULL,
                    start_new_session=True,
                ),
            )
            for script in batch
        ]
        stop_all = lambda lessons=lessons: [kill_and_reap(lesson) for _, lesson in lessons]  # noqa: E731
        with cleanup_on_signal(stop_all):
            try:
                wait_for_all(lessons)
            finally:  # one failed: the other stops too, and prints nothing after we end
                stop_all()


def wait_for_all(lessons):
    """Wait for every (script, process) in ``lessons``; the first that fails, whichever it is,
    is an InputError at once (the script has already said why on stderr)."""
    import time

    running = list(lessons)
    while running:
        for script, lesson in list(running):
            if lesson.poll() is None:
                continue
            running.remove((script, lesson))
            if lesson.returncode != 0:
                raise InputError(f"{script} failed with exit code {lesson.returncode}")
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(run_command(main))
