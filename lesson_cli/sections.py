"""A lesson script's command line, built from its table of sections: one flag per section (no
flag runs them all), ``--list``, ``--image``, ``--out`` and ``--show``.

A section draws its figures with pyplot as the article does, and never calls ``plt.show()``:
after each section the runner saves every figure it drew, under the names the table gives, and
then shows them where windows can open. That is the article's ``plt.show()`` at the end of each
code block, with the saving added.
"""

import argparse
import sys
from typing import Callable, NamedTuple

from lesson_cli.environment import check_environment
from lesson_cli.figures import (
    DEFAULT_OUT_DIR,
    prepare_output_dir,
    refuse_to_overwrite,
    save_figure,
    show_figures,
    use_figure_backend,
)
from lesson_cli.images import SAMPLE_IMAGE, load_image


class Section(NamedTuple):
    """One experiment of a lesson script, and the flag that runs it.

    ``run`` is called as ``run(img, **options)`` when ``uses_image`` is true, else as
    ``run(**options)``, where ``options`` are the values of the parser options it names.
    ``figures`` names the figures it draws, in the order it draws them: ``--out`` is prepared
    only when something will be saved, and ``--list`` says what each section draws.
    """

    flag: str
    heading: str
    run: Callable
    uses_image: bool = False
    figures: tuple = ()
    options: tuple = ()


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: 参数错误 error: {message} (see --help)\n")


def first_line(text):
    """The first line of a docstring, or "" where there is none (``python -OO`` drops them)."""
    return (text or "").strip().partition("\n")[0]


def build_parser(description, sections, add_options=None):
    """The flags of a lesson script: one per section, then --list, --image, --out, --show."""
    parser = OneLineArgumentParser(description=first_line(description))
    group = parser.add_argument_group("sections 章节")
    for section in sections:
        group.add_argument("--" + section.flag, action="store_true", help=section.heading)
    if add_options is not None:
        add_options(parser)
    parser.add_argument("--list", action="store_true", help="列出所有章节 / list the sections")
    parser.add_argument(
        "--image",
        metavar="PATH",
        help="要池化的图片 / picture to pool (default: imgs/astronaut.png, 512×512 RGB)",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="保存图片的文件夹 / folder for the PNG figures (default: outputs/ in the repository)",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="弹出图片窗口 / open figure windows (default: only when a display exists)",
    )
    return parser


def run_sections(argv, description, sections, *, moved=None, add_options=None):
    """Parse ``argv`` and run the chosen sections of a lesson script (none chosen: all of them);
    return the exit code.

    ``moved``: {flag: script} for flags that now live in another script.
    ``add_options``: a function that adds a script's own options to the parser.
    """
    parser = build_parser(description, sections, add_options)
    argv = sys.argv[1:] if argv is None else list(argv)
    for arg in argv:
        if arg.split("=")[0] in (moved or {}):
            script = moved[arg.split("=")[0]]
            parser.error(f"{arg} 已移到 moved to {script}: python {script} {arg}")
    args = parser.parse_args(argv)
    if args.list:
        for section in sections:
            drawn = (
                "  → " + ", ".join(f + ".png" for f in section.figures) if section.figures else ""
            )
            print(f"--{section.flag:<22} {section.heading}{drawn}")
        return 0

    chosen = [s for s in sections if getattr(args, dest(s.flag))] or sections
    for section in sections:  # an option of a section that will not run would be ignored
        for option in section.options:
            if section not in chosen and getattr(args, option) != parser.get_default(option):
                parser.error(f"--{option.replace('_', '-')} goes with --{section.flag}")
    if args.image is not None and not any(s.uses_image for s in chosen):
        users = ", ".join("--" + s.flag for s in sections if s.uses_image) or "none"
        parser.error(f"--image 只用于 is used only by: {users}")

    check_environment()
    img = None
    if any(s.uses_image for s in chosen):
        img = load_image(args.image or SAMPLE_IMAGE)
    figure_names = [name for s in chosen for name in s.figures]
    if figure_names:
        prepare_output_dir(args.out)
        refuse_to_overwrite(args.image, args.out, figure_names)
        windows = use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        options = {option: getattr(args, option) for option in section.options}
        if section.uses_image:
            section.run(img, **options)
        else:
            section.run(**options)
        if section.figures:
            for path in save_figures_drawn(section, args.out):
                print("已保存图片 saved:", path)
            show_figures(windows)
    return 0


def save_figures_drawn(section, out_dir):
    """Save the figures ``section`` drew (pyplot's open figures, oldest first) under the names
    its table row gives; a section may draw fewer (nothing to measure), never more."""
    from matplotlib import pyplot as plt

    figures = [plt.figure(number) for number in plt.get_fignums()]
    if len(figures) > len(section.figures):
        raise RuntimeError(
            f"--{section.flag} drew {len(figures)} figures but names {len(section.figures)}"
        )
    return [save_figure(fig, out_dir, name) for fig, name in zip(figures, section.figures)]


def dest(flag):
    return flag.replace("-", "_")
