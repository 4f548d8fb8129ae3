"""``--image``: any picture PIL opens, as the 8-bit RGB image the lesson pools, or one line
that says why not."""

import os
import stat
import sys
import warnings

from lesson_cli import REPO_ROOT
from lesson_cli.console import InputError, one_line

SAMPLE_IMAGE = os.path.join(REPO_ROOT, "imgs", "astronaut.png")

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

    if path == "":
        raise InputError("--image 没有给出文件 / --image names no file: it is empty")
    if os.path.isdir(path):
        raise InputError(f"这是文件夹，不是图片 / --image is a folder, not an image: {path}")
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        # a FIFO or a device would be read forever, or until someone writes to it
        raise InputError(f"不是普通文件 / --image is not a regular file: {path}")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with Image.open(path) as img:
                # before the pixels are decoded: the size is in the file's header
                refuse_huge(img.size, path)
                refuse_too_small(upright_size(img), path, min_size, needed_by)
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
        # to the size refuse_too_small checked (PIL's thumbnail rounds its own way: a 3×8192
        # picture passed the check as 2×4096 and became 1×4096)
        img = img.resize(scaled_size(img.size), Image.Resampling.BICUBIC, reducing_gap=2.0)
        # on stdout, with what the sections print: stderr is for the one line that ends a run
        print(
            f"提示 note: 图片较大，先缩小 / large picture scaled down: {width}×{height} → "
            f"{img.width}×{img.height} (at most {MAX_SIDE} pixels a side)"
        )
    return img


def upright_size(img):
    """The size ``img`` has once its EXIF rotation is applied, read without decoding it (a phone
    photo turned 90° stores its height as its width)."""
    width, height = img.size
    orientation = img.getexif().get(0x0112, 1)  # EXIF orientation: 5 to 8 turn it by 90°
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def scaled_size(size):
    """The size a large picture is scaled to, the one rule load_image and refuse_too_small
    share: the same aspect, at most MAX_SIDE pixels a side, at least 1."""
    width, height = size
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def refuse_too_small(size, path, min_size, needed_by):
    """Refuse a picture too small to pool, as it is or once scaled down to MAX_SIDE a side,
    naming the size it has."""
    width, height = size
    if min(width, height) < min_size:
        raise InputError(
            f"图片太小 / image too small: {path} is {width}×{height} pixels, "
            f"{needed_by} needs at least {min_size}×{min_size}"
        )
    scaled = scaled_size(size)
    if min(scaled) < min_size:
        raise InputError(
            f"图片太细长 / image too thin: {path} is {width}×{height} pixels; scaled to at most "
            f"{MAX_SIDE} pixels a side it would be {scaled[0]}×{scaled[1]}, and {needed_by} "
            f"needs at least {min_size}×{min_size}; crop it first"
        )


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
    if img.mode == "F" and np.isnan(values).any():
        raise InputError(
            f"图片里有 NaN / floating-point image with NaN (not-a-number) pixels: {path}; "
            "save it without them"
        )
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
    # a 2-D uint8 array is a mode "L" picture (naming the mode is deprecated in Pillow 11)
    return Image.fromarray(np.round(scaled).astype(np.uint8)).convert("RGB")
