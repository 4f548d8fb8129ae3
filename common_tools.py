"""本章脚本共用的工具 / Helpers shared by the lesson scripts.

``set_seed`` and ``transform_invert`` are the two helpers the article imports; the rest is
plumbing, so that the section code in the scripts can read like the article's code blocks: the
start-up check of the installed packages, the command line built from a table of sections,
output in the console's encoding, Ctrl-C, loading an image, saving and showing figures, and
one-line error messages.

torch, torchvision, PIL and matplotlib are imported inside the functions that use them: importing
this module must stay instant, because ``--help`` and ``--list`` answer without loading torch.
"""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.abspath(__file__))
_TEMPORARY_FILES = set()  # figures being written: removed if the user presses Ctrl-C


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
        except (OSError, ValueError):
            pass
        os.write(2, "已中断 interrupted\n".encode(sys.stderr.encoding or "utf-8", "replace"))
        os._exit(130)

    signal.signal(signal.SIGINT, interrupted)


def _run_as_a_command():
    """Whether the program running is a script of this repository (lesson3/*.py, check_env.py,
    docs/, benchmarks/), not Jupyter or pytest, where Ctrl-C must keep its usual meaning."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    folder = os.path.dirname(os.path.abspath(main_file)) if main_file else ""
    return REPO_ROOT in (folder, os.path.dirname(folder)) and "site-packages" not in folder


# First thing, before the imports below: a Ctrl-C in the first 50 ms is one line too.
if _run_as_a_command():
    exit_quietly_on_ctrl_c()

import argparse  # noqa: E402
import codecs  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import stat  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from typing import Callable, NamedTuple  # noqa: E402

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
        windows = use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        options = {option: getattr(args, option) for option in section.options}
        figures = section.run(img, **options) if section.uses_image else section.run(**options)
        for name, fig in (figures or {}).items():  # a section that draws nothing may return None
            print("已保存图片 saved:", save_figure(fig, args.out, name))
    if figure_names:
        show_figures(windows)
    return 0


def dest(flag):
    return flag.replace("-", "_")


def run_cli(main, argv=None):
    """Run ``main(argv)`` as a command: bad input, a failed write, too little memory and Ctrl-C
    each end as one line on stderr and a non-zero exit code, never a traceback."""
    use_console_output()
    _remember_backend()
    out_of_memory_line = f"错误 error: {OUT_OF_MEMORY}\n".encode(
        sys.stderr.encoding or "utf-8", "lesson_stand_in"
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
        if _run_as_a_command():
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


codecs.register_error("lesson_stand_in", _stand_in)


def use_console_output():
    """Print in the encoding the learner's console has (GBK on a Chinese Windows, UTF-8
    elsewhere), never a stricter one: where Python would raise on a character that encoding
    lacks (a stand-in symbol, a file name that is not valid UTF-8), print a stand-in instead."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) in ("strict", "surrogateescape"):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="lesson_stand_in")


_REQUESTED_BACKEND = None


def _remember_backend():
    """Keep the MPLBACKEND a learner set for --show, and give matplotlib Agg until then: it
    would reject a bad value (a typo, Jupyter's inline backend) at import, wherever that is."""
    global _REQUESTED_BACKEND
    wanted = os.environ.get("MPLBACKEND")
    if wanted and wanted.lower() != "agg":
        _REQUESTED_BACKEND = wanted
        os.environ["MPLBACKEND"] = "Agg"


# ----------------------------------------------------------------------------------------------
# 图片与文件 / images, folders and figures
# ----------------------------------------------------------------------------------------------


# 48-megapixel phone photos are accepted and scaled down to MAX_SIDE (the article's 512×512 runs
# in under 1 GB; a 48 MP photo at full size took 11 s and 3.2 GB for --maxpool and shows
# nothing more); larger pictures are refused before they are decoded.
MAX_PIXELS = 50_000_000
MAX_SIDE = 4096


def load_image(path, min_size=2, needed_by="2×2 pooling"):
    """Open ``path`` as an 8-bit RGB PIL image, or raise InputError with one clear sentence.

    Pictures with more than 8 bits per channel are scaled to 0~255, not clipped; PIL's warnings
    (a palette with transparency, a huge picture) become one line or, where nothing is wrong,
    nothing, whatever ``python -W`` says.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if os.path.isdir(path):
        raise InputError(f"这是文件夹，不是图片 / --image is a folder, not an image: {path}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Image.open(path) as img:
                refuse_huge(img.size, path)  # before the pixels are decoded
                # Phone photos store their rotation in EXIF; apply it so the picture stands upright.
                img = to_rgb(ImageOps.exif_transpose(img), path)  # 0~255
    except FileNotFoundError:
        raise InputError(f"找不到图片 / image not found: {path}") from None
    except UnidentifiedImageError:
        raise InputError(f"不是图片 / not an image PIL can read: {path}") from None
    except PermissionError:
        raise InputError(f"没有读取权限 / no permission to read: {path}") from None
    except Image.DecompressionBombError as error:  # PIL refuses before we see the size
        raise InputError(f"图片太大 / image too large: {path}: {error}; resize it first") from None
    except (OSError, ValueError, SyntaxError) as error:  # SyntaxError: PIL's "not a PNG file"
        raise InputError(f"无法读取图片 / cannot read image {path}: {error}") from None
    for warning in caught:
        print(f"提示 note: PIL: {one_line(warning.message)}", file=sys.stderr)
    width, height = img.size
    if max(width, height) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE))
        print(
            f"提示 note: 图片较大，先缩小 / large picture scaled down: {width}×{height} → "
            f"{img.width}×{img.height} (at most {MAX_SIDE} pixels a side)",
            file=sys.stderr,
        )
    width, height = img.size
    if width < min_size or height < min_size:
        raise InputError(
            f"图片太小 / image too small: {path} is {width}×{height} pixels, "
            f"{needed_by} needs at least {min_size}×{min_size}"
        )
    return img


def refuse_huge(size, path):
    width, height = size
    if width * height > MAX_PIXELS:
        raise InputError(
            f"图片太大 / image too large: {path} is {width}×{height} pixels "
            f"({width * height / 1e6:.0f} MP), more than {MAX_PIXELS / 1e6:.0f} MP; "
            "resize it first (these experiments need no more)"
        )


def to_rgb(img, path):
    """8-bit RGB from any mode PIL opens. PIL's own convert("RGB") clips 16- and 32-bit values
    at 255 (a 16-bit picture comes out almost white), so those are scaled here instead."""
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")  # PIL warns when a palette's transparency is dropped directly
    if img.mode not in ("I", "F") and not img.mode.startswith("I;16"):
        return img.convert("RGB")
    import numpy as np
    from PIL import Image

    values = np.asarray(img)
    low, high = (values.min(), values.max()) if values.size else (0, 0)
    if img.mode == "F" and 0 <= low and high <= 1:
        scaled = values * 255.0  # a floating-point picture in 0~1
    elif img.mode != "F" and 0 <= low and high <= 65535:
        scaled = values / 257.0  # 16-bit 0~65535 to 8-bit 0~255: 257 = 65535 / 255, exactly
    else:
        kind = "floating-point" if img.mode == "F" else "32-bit integer"
        raise InputError(
            f"无法显示的数值范围 / {kind} image with values {low}~{high}: {path}; "
            "save it as an 8- or 16-bit picture (or floats in 0~1)"
        )
    return Image.fromarray(np.round(scaled).astype(np.uint8), "L").convert("RGB")


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
        mode = 0o666 & ~_UMASK  # mkstemp makes files private (0600); use the usual mode
    tmp_path = None
    try:
        fd, tmp_path = tempfile.mkstemp(prefix="." + name + "-", suffix=".png", dir=out_dir)
        _TEMPORARY_FILES.add(tmp_path)
        os.close(fd)
        # compress_level=1: about twice as fast as PIL's default 6, for files ~10% larger
        fig.savefig(tmp_path, format="png", pil_kwargs={"compress_level": 1})
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    except BaseException as error:
        if tmp_path is not None:
            os.remove(tmp_path)
        if isinstance(error, OSError):  # name the figure, not the hidden temporary file
            raise OSError(f"无法保存 cannot save {path}: {error.strerror or error}") from None
        raise
    finally:
        _TEMPORARY_FILES.discard(tmp_path)
    return path


def show_figures(windows):
    """Open the figures in windows like the article's plt.show() when ``windows`` is true (what
    use_figure_backend returned), then close them all; never blocks without a display."""
    from matplotlib import pyplot as plt

    if windows and plt.get_fignums():
        plt.show()
    plt.close("all")
