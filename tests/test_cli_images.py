"""lesson_cli/images.py: --image, any picture PIL opens, as 8-bit RGB or one clear line."""

import os
import warnings

import numpy as np
import pytest
from conftest import (
    assert_one_line_error,
    run_raw,
    run_script,
)
from PIL import Image

from lesson_cli.console import InputError
from lesson_cli.images import load_image


def test_load_image_converts_to_rgb_and_rejects_bad_files(tmp_path):
    gray = tmp_path / "gray.png"
    Image.new("L", (8, 6)).save(gray)
    assert load_image(str(gray)).mode == "RGB"

    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(InputError, match="not an image"):
        load_image(str(text))
    with pytest.raises(InputError, match="image not found"):
        load_image(str(tmp_path / "missing.png"))
    with pytest.raises(InputError, match="is a folder"):
        load_image(str(tmp_path))
    with pytest.raises(InputError, match="8×6 pixels, 2×2 pooling needs at least 7×7"):
        load_image(str(gray), min_size=7, needed_by="2×2 pooling")


def test_load_image_applies_exif_rotation(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    Image.new("RGB", (40, 20)).save(path, exif=exif)
    assert load_image(str(path)).size == (20, 40)


def test_a_missing_image_is_one_line(tmp_path):
    result = run_script("--maxpool", "--image", "nope.png", "--out", str(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, "image not found: nope.png")


def test_a_file_that_is_not_an_image_is_one_line(tmp_path):
    (tmp_path / "lena.png").write_text("<html>404 not found</html>")
    result = run_script("--image", "lena.png", "--out", str(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, "not an image PIL can read: lena.png")


def test_a_truncated_image_is_one_line(tmp_path):
    Image.new("RGB", (64, 64), (1, 2, 3)).save(tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    result = run_script("--maxpool", "--image", "cut.png", "--out", str(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, "cannot read image cut.png")


def test_an_image_too_small_for_the_pooling_layer_is_one_line(tmp_path):
    Image.new("RGB", (1, 5)).save(tmp_path / "dot.png")
    result = run_script("--avgpool", "--image", "dot.png", "--out", str(tmp_path), cwd=tmp_path)
    assert_one_line_error(result, "image too small", "1×5 pixels", "at least 2×2")


def gray_levels():
    return np.random.default_rng(0).integers(0, 256, (24, 20)).astype(np.uint8)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        (
            "16bit.png",
            lambda a: Image.fromarray(a.astype(np.uint16) * 257),
        ),  # I;16, then I and F: the dtype says which (naming it is deprecated in Pillow 11)
        ("32bit.tif", lambda a: Image.fromarray(a.astype(np.int32) * 257)),
        ("float.tif", lambda a: Image.fromarray(a.astype(np.float32) / 255)),
    ],
)
def test_images_with_more_than_8_bits_load_as_their_8_bit_version(tmp_path, name, make):
    levels = gray_levels()
    make(levels).save(tmp_path / name)
    Image.fromarray(levels).save(tmp_path / "8bit.png")
    wide = np.asarray(load_image(str(tmp_path / name)))
    assert np.array_equal(wide, np.asarray(load_image(str(tmp_path / "8bit.png"))))
    assert wide.max() == levels.max() > 200  # scaled, not clipped to white


def test_an_image_whose_values_fit_no_scale_is_refused_in_one_line(tmp_path):
    Image.fromarray(gray_levels().astype(np.int32) * 1000).save(tmp_path / "raw.tif")
    result = run_script("--maxpool", "--image", "raw.tif", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, "32-bit integer image with values 0~255000: raw.tif")
    assert not (tmp_path / "out").exists()


def test_pictures_above_the_size_limit_are_refused_before_they_are_decoded(tmp_path):
    # 9500×9500 is 90 MP: above our 50 MP limit and PIL's DecompressionBombWarning (89 MP)
    Image.new("1", (9500, 9500)).save(tmp_path / "huge.png")
    result = run_raw(
        "--maxpool", "--image", "huge.png", "--out", "out", cwd=tmp_path, python=("-W", "error")
    )
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.decode().splitlines()
    assert "image too large: huge.png is 9500×9500 pixels (90 MP), more than 50 MP" in line
    assert not (tmp_path / "out").exists()


def test_a_picture_pil_itself_refuses_as_a_bomb_is_one_line_with_its_real_size(tmp_path):
    Image.new("1", (14000, 14000)).save(tmp_path / "bomb.png")  # 196 MP: PIL raises, not warns
    with pytest.raises(InputError) as raised:
        load_image(str(tmp_path / "bomb.png"))
    message = str(raised.value)
    assert message.startswith(f"图片太大 / image too large: {tmp_path / 'bomb.png'}: ")
    assert "196000000 pixels" in message and "\n" not in message


def test_a_large_picture_is_scaled_down_and_says_so(tmp_path, capsys):
    Image.new("RGB", (5000, 2500), (9, 9, 9)).save(tmp_path / "wide.png", compress_level=1)
    assert load_image(str(tmp_path / "wide.png")).size == (4096, 2048)
    # on stdout: stderr holds only the one line that ends a run that fails later
    assert capsys.readouterr().out.splitlines() == [
        "提示 note: 图片较大，先缩小 / large picture scaled down: 5000×2500 → 4096×2048"
        " (at most 4096 pixels a side)"
    ]


def test_pil_palette_transparency_is_handled_without_a_warning_even_with_w_error(tmp_path, capsys):
    image = Image.new("P", (8, 8))
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.save(tmp_path / "icon.png", transparency=b"\x00\x80")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what python -W error does
        assert load_image(str(tmp_path / "icon.png")).mode == "RGB"
    assert capsys.readouterr().err == ""


def test_a_newline_in_a_file_name_stays_on_the_one_line_error(tmp_path):
    result = run_script("--maxpool", "--image", "two\nlines.png", cwd=tmp_path)
    assert_one_line_error(result, "image not found: two\\nlines.png")


@pytest.mark.parametrize(("width", "height"), [(100000, 2), (2, 100000), (9000, 3)])
def test_a_picture_too_thin_once_scaled_down_is_refused_in_one_line_with_its_real_size(
    tmp_path, width, height
):
    Image.new("RGB", (width, height)).save(tmp_path / "thin.png")
    result = run_script("--maxpool", "--image", "thin.png", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, f"image too thin: thin.png is {width}×{height} pixels")
    assert "would be" in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX's")
def test_an_image_that_is_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.png")
    for image in (str(tmp_path / "pipe.png"), os.devnull):
        result = run_script("--maxpool", "--image", image, cwd=tmp_path, timeout=60)
        assert_one_line_error(result, f"--image is not a regular file: {image}")


def test_an_empty_image_argument_is_refused_not_replaced_by_the_sample(tmp_path):
    result = run_script("--maxpool", "--image", "", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, "--image names no file: it is empty")


def test_a_floating_point_picture_with_nan_pixels_says_so(tmp_path):
    values = np.zeros((20, 20), dtype=np.float32)
    values[3, 3] = np.nan
    Image.fromarray(values).save(tmp_path / "nan.tif")
    with pytest.raises(InputError, match="with NaN \\(not-a-number\\) pixels"):
        load_image(str(tmp_path / "nan.tif"))


@pytest.mark.parametrize(
    "size, exif_turn, loaded",
    [((3, 8192), False, (2, 4096)), ((6, 16384), False, (2, 4096)), ((8192, 3), True, (2, 4096))],
)
def test_a_thin_picture_at_a_rounding_tie_is_loaded_at_the_size_the_check_passed(
    tmp_path, capsys, size, exif_turn, loaded
):
    # 3×8192 scaled by ½ is 1.5 pixels wide: the check rounded it to 2, PIL's thumbnail to 1,
    # and 2×2 pooling then failed with PyTorch's "Output size is too small" traceback
    name = "thin.jpg" if exif_turn else "thin.png"
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation 6: turned 90°, as a phone stores a portrait photo
    Image.new("RGB", size, (200, 10, 10)).save(tmp_path / name, exif=exif if exif_turn else b"")
    assert load_image(str(tmp_path / name)).size == loaded
    assert f"→ {loaded[0]}×{loaded[1]}" in capsys.readouterr().out
    if size == (3, 8192):  # and the pooling the check promised runs (one command is enough)
        result = run_script("--maxpool", "--image", name, "--out", "out", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "池化后尺寸:torch.Size([1, 3, 2048, 1])" in result.stdout
