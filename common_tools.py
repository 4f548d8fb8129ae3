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
import sys
import tempfile

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
# plumbing: errors, paths, images, figures
# ----------------------------------------------------------------------------------------------


class InputError(Exception):
    """Bad input the user can fix: reported as one line on stderr, with a non-zero exit."""


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (argparse prints the whole usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: 参数错误 error: {message} (see --help)\n")


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


def load_image(path, min_size=1, needed_by="this section"):
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


def use_figure_backend(show):
    """Pick matplotlib's backend before pyplot is imported.

    ``show`` is True, False or None (show when a display exists). Without showing, the file-only
    Agg backend is used, which needs no display and starts fastest.
    """
    import matplotlib

    if show is False and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")


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
