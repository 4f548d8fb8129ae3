"""Regenerate the figure gallery (docs/figures/) from the three lesson3 scripts.

Runs each script exactly as a reader does (every section, headless), then stores each figure as
a light PNG: at most 800 pixels wide, 256 colours.

    python docs/make_gallery.py [--dest DIR]
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common_tools import (  # noqa: E402
    REPO_ROOT,
    InputError,
    OneLineArgumentParser,
    prepare_output_dir,
    run_cli,
)

SCRIPTS = [
    os.path.join(REPO_ROOT, "lesson3", name + ".py")
    for name in ("nn_layers_others", "beyond_the_article", "article_claims")
]
GALLERY_DIR = os.path.join(REPO_ROOT, "docs", "figures")
MAX_WIDTH = 800


def main(argv=None):
    parser = OneLineArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=GALLERY_DIR, help="default: docs/figures/")
    parser.add_argument(
        "--jobs", type=int, default=len(SCRIPTS), help="scripts run at once (default: all three)"
    )
    args = parser.parse_args(argv)
    dest = prepare_output_dir(args.dest)

    from PIL import Image

    with tempfile.TemporaryDirectory() as figures:
        run_scripts(figures, args.jobs)
        for name in sorted(os.listdir(figures)):
            with Image.open(os.path.join(figures, name)) as figure:
                figure = figure.convert("RGB")
                figure.thumbnail((MAX_WIDTH, MAX_WIDTH * 2))
                light = figure.quantize(colors=256)
            path = os.path.join(dest, name)
            light.save(path, optimize=True)
            print(f"{path}  ({os.path.getsize(path) // 1024} KB)")
    return 0


def run_scripts(figures, jobs):
    """Each script as a reader runs it, ``jobs`` at a time: each spends most of its time
    loading libraries on one core."""
    waiting = list(SCRIPTS)
    while waiting:
        batch, waiting = waiting[:jobs], waiting[jobs:]
        lessons = [
            (
                script,
                subprocess.Popen(
                    [sys.executable, script, "--out", figures, "--no-show"],
                    stdout=subprocess.DEVNULL,
                ),
            )
            for script in batch
        ]
        for script, lesson in lessons:
            if lesson.wait() != 0:  # the script has already said why on stderr
                raise InputError(f"{script} failed with exit code {lesson.returncode}")


if __name__ == "__main__":
    sys.exit(run_cli(main))
