"""A lesson script's command line, built from its table of sections: one flag per section (no
flag runs them all), ``--list``, ``--image``, ``--out`` and ``--show``.

A section draws its figures with pyplot as the article does, and never calls ``plt.show()``:
after each section the runner saves every figure it drew, under the names the table gives, and
then shows them where windows can open. That is the article's ``plt.show()`` at the end of each
code block, with the saving added.
"""

import collections
import sys

# Importing this module stays light (argparse, tempfile and the figure code load in
# run_sections): a script's table of sections is built at import, and until the script's main
# starts, Ctrl-C is still Python's own.
Section = collections.namedtuple(
    "Section",
    ["flag", "heading", "run", "uses_image", "figures", "options", "caption"],
    defaults=(False, (), (), None),
)
Section.__doc__ = """One experiment of a lesson script, and the flag that runs it.

``run`` is called as ``run(img, **options)`` when ``uses_image`` is true, else as
``run(**options)``, where ``options`` are the values of the parser options it names.
``figures`` names the figures it draws, in the order it draws them: ``--out`` is prepared only
when something will be saved, and ``--list`` says what each section draws. ``caption``, where
given, is called with each figure before it is saved: it says what the figure shows where the
section's code, the article's own, draws no title.
"""


def one_line_argument_parser(**kwargs):
    """An argparse parser whose usage error is one line on stderr (argparse prints the whole
    usage first) and whose failed writes are not swallowed."""
    import argparse

    class OneLineArgumentParser(argparse.ArgumentParser):
        def error(self, message):
            from lesson_cli.console import one_line

            self.exit(2, f"{self.prog}: 参数错误 error: {one_line(message)} (see --help)\n")

        def _print_message(self, message, file=None):
            # argparse swallows a failed write, so `--help > /dev/full` would end quietly with
            # exit 0 and nothing printed: let it fail, and run_cli says so in one line
            if message:
                file = file or sys.stderr
                file.write(message)
                file.flush()

    return OneLineArgumentParser(**kwargs)


def whole_number(low, high):
    """An argparse type: a whole number from ``low`` to ``high``, or one line saying so."""
    from argparse import ArgumentTypeError

    def parse(text):
        try:
            value = int(text)
        except ValueError:  # not a number, or more digits than Python converts
            value = None
        if value is None or not low <= value <= high:
            raise ArgumentTypeError(
                f"应为 {low} 到 {high} 的整数 / must be a whole number from {low} to {high},"
                f" got {text!r}"
            )
        return value

    return parse


def first_line(text):
    """The first line of a docstring, or "" where there is none (``python -OO`` drops them)."""
    return (text or "").strip().partition("\n")[0]


def build_parser(description, sections, add_options=None):
    """The flags of a lesson script: one per section, then --list, --image, --out, --show."""
    import argparse

    from lesson_cli.figures import DEFAULT_OUT_DIR

    parser = one_line_argument_parser(description=first_line(description))
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
        help="保存图片的文件夹；只替换本课脚本画的同名图片 / folder for the PNG figures, where a "
        "figure replaces only a figure of the same name that these scripts drew (default: "
        "outputs/ in the repository)",
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
    own_flags = [flag for action in parser._actions for flag in action.option_strings]
    for arg in argv:
        flag = arg.split("=")[0]
        # argparse takes an abbreviation of its own flags (--output-s): one of a moved flag is
        # pointed to where it moved
        moved_to = [m for m in moved or {} if m.startswith(flag) and len(flag) > 2]
        if len(moved_to) == 1 and not any(own.startswith(flag) for own in own_flags):
            script = moved[moved_to[0]]
            parser.error(f"{arg} 已移到 moved to {script}: python {script} {moved_to[0]}")
    args = parser.parse_args(argv)
    if args.list:
        list_sections(sections)
        return 0
    chosen = [s for s in sections if getattr(args, dest(s.flag))] or sections
    refuse_unused_options(parser, args, sections, chosen)
    run_chosen(args, chosen)
    return 0


def list_sections(sections):
    """--list: each section's flag, heading and the figures it draws."""
    from lesson_cli.figures import file_name

    for section in sections:
        drawn = "  → " + ", ".join(map(file_name, section.figures)) if section.figures else ""
        print(f"--{section.flag:<22} {section.heading}{drawn}")


def refuse_unused_options(parser, args, sections, chosen):
    """A usage error for an option that no chosen section takes: it would be ignored."""
    for option in {option for section in sections for option in section.options}:
        takers = [s for s in sections if option in s.options]
        if getattr(args, option) != parser.get_default(option) and not set(takers) & set(chosen):
            flags = " or ".join("--" + s.flag for s in takers)
            parser.error(f"--{option.replace('_', '-')} goes with {flags}")
    if args.image is not None and not any(s.uses_image for s in chosen):
        users = ", ".join("--" + s.flag for s in sections if s.uses_image) or "none"
        parser.error(f"--image 只用于 is used only by: {users}")


def run_chosen(args, chosen):
    """Check the packages, load the picture, prepare --out, then run each chosen section under
    its banner, saving and showing what it drew."""
    from lesson_cli.environment import check_environment
    from lesson_cli.figures import (
        prepare_output_dir,
        refuse_to_overwrite,
        show_figures,
        use_figure_backend,
    )
    from lesson_cli.images import SAMPLE_IMAGE, load_image

    check_environment()
    img = None
    if any(s.uses_image for s in chosen):
        img = load_image(SAMPLE_IMAGE if args.image is None else args.image)
    figure_names = [name for s in chosen for name in s.figures]
    if figure_names:
        prepare_output_dir(args.out)
        refuse_to_overwrite(args.image, args.out, figure_names)
        windows = use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        options = {option: getattr(args, option) for option in section.options}
        if section.uses_image:
            animations = section.run(img, **options)
        else:
            animations = section.run(**options)
        if section.figures:
            for path, replaced in save_figures_drawn(section, args.out, animations or {}):
                again = " (替换了上一次的图 replaces the earlier one)" if replaced else ""
                print(f"已保存图片 saved: {path}{again}")
            show_figures(windows)


def save_figures_drawn(section, out_dir, animations):
    """Save the figures ``section`` drew (pyplot's open figures, oldest first) under the names
    its table row gives, and the animations it returned ({"name.gif": animation}); a section may
    draw fewer figures (nothing to measure), never more."""
    from matplotlib import pyplot as plt

    from lesson_cli.figures import save_animation, save_figure

    animated = {id(animation._fig) for animation in animations.values()}
    figures = [plt.figure(n) for n in plt.get_fignums() if id(plt.figure(n)) not in animated]
    names = [name for name in section.figures if name not in animations]
    if len(figures) > len(names):
        raise RuntimeError(f"--{section.flag} drew {len(figures)} figures but names {len(names)}")
    for fig in figures if section.caption else ():
        section.caption(fig)
    try:
        saved = [save_figure(fig, out_dir, name) for fig, name in zip(figures, names)]
        return saved + [save_animation(a, out_dir, name) for name, a in animations.items()]
    except BaseException:
        # the run ends with one line; an animation not saved would add matplotlib's two-line
        # warning when deleted ("Animation was deleted without rendering anything"): mark them
        # as matplotlib's own save() marks the animations it saves together
        for animation in animations.values():
            animation._draw_was_started = True
        raise


def dest(flag):
    return flag.replace("-", "_")
