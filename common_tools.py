"""本章脚本共用的工具 / Helpers shared by the lesson scripts.

``set_seed`` and ``transform_invert`` are the two helpers the article imports; the rest is
plumbing (loading an image, saving and showing figures, one-line error messages) so that the
section code in the scripts can read like the article's code blocks.

torch, torchvision, PIL and matplotlib are imported inside the functions that use them: importing
this module must stay instant, because ``--help`` and ``--list`` answer without loading torch.
"""

import argparse
import os
import random
import re
import sys
import tempfile
from typing import Callable, NamedTuple

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))
SAMPLE_IMAGE = os.path.join(REPO_ROOT, "imgs", "astronaut.png")
DEFAULT_OUT_DIR = os.path.join(REPO_ROOT, "outputs")

# matplotlib backends that draw to files only (matplotlib's own list of non-interactive ones).
NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}

_UMASK = os.umask(0)  # read the process umask (the only way is to set it) and put it back
os.umask(_UMASK)


def set_seed(seed=1):
    """设置随机种子 / Seed Python, NumPy and PyTorch (CPU and every GPU) for repeatable numbers."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)  # a no-op without a GPU


def transform_invert(img_, transform_train=None):
    """把变换后的 C×H×W 张量还原成 PIL 图片 / Turn a transformed C×H×W tensor back into a PIL image.

    Undoes every ``transforms.Normalize`` in ``transform_train`` (a ``Compose``, a single transform
    or None), then ``ToTensor``'s scaling: floating-point tensors are read as 0~1, as ToTensor makes
    them, integer tensors as 0~255. Values outside that range are clamped, not wrapped around.
    The caller's tensor is never changed; tensors that require grad or live on a GPU are fine.
    One channel gives a mode 'L' image, three 'RGB', four 'RGBA'.
    """
    import torch
    from torchvision import transforms
    from torchvision.transforms import functional as F

    if not isinstance(img_, torch.Tensor) or img_.dim() != 3:
        shape = tuple(img_.shape) if isinstance(img_, torch.Tensor) else type(img_).__name__
        raise ValueError(
            f"transform_invert expects a C×H×W tensor, got {shape}; "
            "drop the batch dimension first, e.g. img[0]"
        )
    channels = img_.shape[0]
    if channels not in (1, 3, 4):
        raise ValueError(
            f"transform_invert shows 1 (L), 3 (RGB) or 4 (RGBA) channels, got {channels}; "
            "pick the channels to show first, e.g. img[0:3]"
        )

    if isinstance(transform_train, transforms.Compose):
        steps = transform_train.transforms
    else:
        steps = [transform_train]
    img = img_.detach().cpu()  # every step below is out of place, so img_ is never modified
    was_integer = not img.is_floating_point()
    img = img.float()
    for step in reversed(steps):
        if isinstance(step, transforms.Normalize):
            # x = (y - mean) / std  =>  y = x * std + mean, written as another Normalize
            mean = torch.as_tensor(step.mean, dtype=torch.float32)
            std = torch.as_tensor(step.std, dtype=torch.float32)
            img = F.normalize(img, mean=(-mean / std).tolist(), std=(1 / std).tolist())

    if not was_integer:
        img = img * 255
    # Round and clamp here: F.to_pil_image would truncate floats and let uint8 wrap 256 -> 0.
    img = img.nan_to_num(0.0).round().clamp(0, 255).to(torch.uint8)
    return F.to_pil_image(img)


# ----------------------------------------------------------------------------------------------
# 环境检查 / the installed packages, read from their metadata without importing them
# ----------------------------------------------------------------------------------------------

REQUIREMENTS_FILE = os.path.join(REPO_ROOT, "requirements.txt")
FIX_COMMAND = "pip install --upgrade -r requirements.txt"


def read_requirements(path=REQUIREMENTS_FILE):
    """[(package, floor)] from the ``name>=floor`` lines of requirements.txt: its floors are the
    ones this code checks, so they are written in one place."""
    requirements = []
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.readlines()
    except OSError:  # a copy of the scripts without requirements.txt: nothing to check against
        return requirements
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", line)
        if match:
            requirements.append((match.group(1), match.group(2)))
    return requirements


def version_tuple(text):
    """'2.15.0+cu132' -> (2, 15, 0); '2.3.0rc1' -> (2, 3, 0). Our own few lines, because
    ``packaging`` is not one of our dependencies and release numbers are all we compare."""
    return tuple(int(part) for part in re.findall(r"\d+", re.match(r"[\d.]*", text).group()))


def installed_version(package):
    """The installed version of ``package``, or None; reads metadata only, imports nothing."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def torch_wanted_by_torchvision():
    """torchvision's requirement on torch as [(operator, version)], e.g. [('==', '2.3.0')]."""
    from importlib import metadata

    try:
        requires = metadata.requires("torchvision") or []
    except metadata.PackageNotFoundError:
        return []
    for requirement in requires:
        match = re.match(r"torch\b\s*\(?([^;)]*)", requirement)
        if match and not requirement.startswith("torch-"):
            return re.findall(r"(==|>=|<=|!=|<|>)\s*([0-9][0-9.]*)", match.group(1))
    return []


_COMPARE = {
    "==": lambda a, b: a[: len(b)] == b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "!=": lambda a, b: a[: len(b)] != b,
}


def package_status(version_of=None):
    """[(package, floor, installed version or None, ok)] for each line of requirements.txt."""
    version_of = version_of or installed_version
    status = []
    for package, floor in read_requirements():
        have = version_of(package)
        status.append(
            (package, floor, have, have is not None and version_tuple(have) >= version_tuple(floor))
        )
    return status


def environment_problems(version_of=None, torch_wanted=None):
    """Everything known to break: packages missing or below their floor, then the bad
    combinations. Each is a sentence naming what is installed; empty when all is well."""
    version_of = version_of or installed_version
    problems = []
    for package, floor, have, ok in package_status(version_of):
        if have is None:
            problems.append(f"{package} 未安装 is not installed")
        elif not ok:
            problems.append(f"{package} {have} 低于 is below {floor}")
    return problems + combination_problems(version_of, torch_wanted)


def combination_problems(version_of=None, torch_wanted=None):
    """Installed packages that don't work together: a torch built for NumPy 1 next to NumPy 2,
    and a torchvision built for another torch. The parameters let tests simulate both."""
    version_of = version_of or installed_version
    torch_wanted = torch_wanted or torch_wanted_by_torchvision
    problems = []
    torch, numpy = version_of("torch"), version_of("numpy")
    if torch and numpy and version_tuple(torch) < (2, 3) and version_tuple(numpy) >= (2,):
        problems.append(
            f"torch {torch} 为 NumPy 1 编译 was built for NumPy 1, but numpy {numpy} is installed"
        )
    vision = version_of("torchvision")
    if torch and vision:
        wanted = torch_wanted()
        if not all(_COMPARE[op](version_tuple(torch), version_tuple(v)) for op, v in wanted):
            needs = ",".join(op + v for op, v in wanted)
            problems.append(
                f"torchvision {vision} 需要 needs torch{needs}, but torch {torch} is installed"
            )
    return problems


def check_environment():
    """Raise InputError, one line, when the installed packages are known not to work together,
    before torch or torchvision fail somewhere deep inside with a RuntimeError."""
    problems = environment_problems()
    if problems:
        raise InputError(
            "环境有问题 / the installed packages won't work: "
            + "; ".join(problems)
            + f". 修复 fix: {FIX_COMMAND}  (python check_env.py shows everything)"
        )


# ----------------------------------------------------------------------------------------------
# 命令行 / the command line every lesson script shares: a table of sections becomes its flags
# ----------------------------------------------------------------------------------------------


class InputError(Exception):
    """Bad input the user can fix: reported as one line on stderr, with a non-zero exit."""


class Section(NamedTuple):
    """One experiment of a lesson script, and the flag that runs it.

    ``run`` is called as ``run(img, **options)`` when ``uses_image`` is true, else as
    ``run(**options)``, where ``options`` are the values of the parser options it names. It
    returns a dict {figure name: matplotlib figure}; ``figures`` names them in advance, so that
    ``--out`` is prepared only when something will be saved, and ``--list`` says what each draws.
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


def build_parser(description, sections, add_options=None):
    """The flags of a lesson script: one per section, then --list, --image, --out, --show."""
    parser = OneLineArgumentParser(description=description)
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
        use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        options = {option: getattr(args, option) for option in section.options}
        figures = section.run(img, **options) if section.uses_image else section.run(**options)
        for name, fig in figures.items():
            print("已保存图片 saved:", save_figure(fig, args.out, name))
    if figure_names:
        show_figures(args.show)
    return 0


def dest(flag):
    return flag.replace("-", "_")


def run_cli(main, argv=None):
    """Run ``main(argv)``; turn bad input into one line on stderr and a non-zero exit code."""
    use_utf8_output()
    try:
        return main(argv)
    except (InputError, OSError) as error:  # OSError: e.g. the disk filled up during a save
        print(f"错误 error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        return 130
    except SystemExit as exit:  # argparse: --help, or a usage error it has already printed
        return exit.code


def use_utf8_output():
    """Print Chinese and the symbols below even where the code page can't (cp1252, or cp936 when
    output is redirected on Windows): switch that stream to UTF-8 instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "池化层 °±²·×ᵀ—“”→∈∞≤≥".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# 图片与文件 / images, folders and figures
# ----------------------------------------------------------------------------------------------


def load_image(path, min_size=2, needed_by="2×2 pooling"):
    """Open ``path`` as an RGB PIL image, or raise InputError with one clear sentence."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if os.path.isdir(path):
        raise InputError(f"这是文件夹，不是图片 / --image is a folder, not an image: {path}")
    try:
        with Image.open(path) as img:
            # Phone photos store their rotation in EXIF; apply it so the picture stands upright.
            img = ImageOps.exif_transpose(img).convert("RGB")  # 0~255
    except FileNotFoundError:
        raise InputError(f"找不到图片 / image not found: {path}") from None
    except UnidentifiedImageError:
        raise InputError(f"不是图片 / not an image PIL can read: {path}") from None
    except PermissionError:
        raise InputError(f"没有读取权限 / no permission to read: {path}") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise InputError(f"无法读取图片 / cannot read image {path}: {error}") from None
    width, height = img.size
    if width < min_size or height < min_size:
        raise InputError(
            f"图片太小 / image too small: {path} is {width}×{height} pixels, "
            f"{needed_by} needs at least {min_size}×{min_size}"
        )
    return img


def prepare_output_dir(path):
    """Create ``path`` if needed and check that a file can be written there, before any work."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"--out 不是文件夹 / --out is a file, not a folder: {path}")
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        reason = error.strerror or error
        raise InputError(
            f"无法写入 --out 文件夹 / cannot write to --out {path}: {reason}"
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
    """Pick matplotlib's backend before any figure is drawn.

    ``show`` is True, False or None (show when a display exists). Without showing, the file-only
    Agg backend is used whatever MPLBACKEND says: it needs no display and starts fastest. With
    showing, a backend that can't be used (a typo, a missing GUI toolkit, Jupyter's inline
    backend outside Jupyter) is one line, and the figures are still saved.
    """
    wanted = os.environ.pop("MPLBACKEND", None)  # matplotlib would reject a bad one at import
    if show is False or (show is None and not has_display()):
        os.environ["MPLBACKEND"] = "Agg"
        if "matplotlib.pyplot" in sys.modules:  # switching closes open figures: say so, no warning
            sys.modules["matplotlib.pyplot"].close("all")
            sys.modules["matplotlib.pyplot"].switch_backend("Agg")
        return
    from matplotlib import pyplot as plt

    if wanted:
        try:
            plt.switch_backend(wanted)
        except (ImportError, ValueError, RuntimeError) as error:
            if show:
                print(
                    f"提示 note: MPLBACKEND={wanted} 不可用，图片只保存"
                    f" / cannot be used ({error}), figures are saved only",
                    file=sys.stderr,
                )
            plt.switch_backend("Agg")


def save_figure(fig, out_dir, name):
    """Save ``fig`` as ``out_dir/name.png`` and return the path.

    It is written to a temporary file first and then renamed over the old one, so a failed save
    never leaves a half-written PNG or destroys the previous figure.
    """
    path = os.path.join(out_dir, name + ".png")
    fd, tmp_path = tempfile.mkstemp(prefix="." + name + "-", suffix=".png", dir=out_dir)
    os.close(fd)
    try:
        # compress_level=1: about twice as fast as PIL's default 6, for files ~10% larger
        fig.savefig(tmp_path, format="png", pil_kwargs={"compress_level": 1})
        os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes it private (0600); use the usual mode
        os.replace(tmp_path, path)
    except BaseException:
        os.remove(tmp_path)
        raise
    return path


def show_figures(show):
    """Open the figures in windows like the article's plt.show(), where a display exists.

    ``show`` is True, False or None (auto). Without a display this never blocks and never fails:
    the figures are already saved.
    """
    import matplotlib
    from matplotlib import pyplot as plt

    interactive = matplotlib.get_backend().lower() not in NON_INTERACTIVE_BACKENDS
    if show and not interactive:
        print(
            "提示 note: 没有显示器，图片已保存但不弹出窗口 / no display: figures saved, not shown",
            file=sys.stderr,
        )
    if show is not False and interactive and plt.get_fignums():
        plt.show()
    plt.close("all")
