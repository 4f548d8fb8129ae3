"""common_tools: set_seed, transform_invert's promises, image loading and figure saving."""

import os
import random

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms

from common_tools import (
    InputError,
    load_image,
    prepare_output_dir,
    run_cli,
    save_figure,
    set_seed,
    show_figures,
    transform_invert,
)


def test_set_seed_repeats_python_numpy_and_torch_numbers():
    set_seed(1)
    first = (random.random(), np.random.rand(), torch.rand(3))
    set_seed(1)
    second = (random.random(), np.random.rand(), torch.rand(3))
    assert first[:2] == second[:2] and torch.equal(first[2], second[2])
    set_seed(2)
    assert random.random() != first[0]


def gradient_image(width=16, height=12):
    array = np.arange(width * height * 3, dtype=np.uint8).reshape(height, width, 3)
    return Image.fromarray(array)


def test_transform_invert_round_trips_totensor_exactly():
    img = gradient_image()
    img_transform = transforms.Compose([transforms.ToTensor()])
    back = transform_invert(img_transform(img), img_transform)
    assert back.mode == "RGB" and back.size == img.size
    assert np.array_equal(np.asarray(back), np.asarray(img))


def test_transform_invert_undoes_normalize():
    img = gradient_image()
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    img_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    back = transform_invert(img_transform(img), img_transform)
    assert np.array_equal(np.asarray(back), np.asarray(img))


def test_transform_invert_never_changes_the_callers_tensor():
    img_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])
    tensor = img_transform(gradient_image())
    before = tensor.clone()
    transform_invert(tensor, img_transform)
    assert torch.equal(tensor, before)


def test_transform_invert_clamps_instead_of_wrapping_around():
    tensor = torch.tensor([-0.5, 0.0, 0.5, 1.0, 1.5, 2.0]).reshape(1, 1, 6)
    values = np.asarray(transform_invert(tensor)).ravel().tolist()
    # uint8 would wrap 1.5 * 255 = 382 around to 126 and -127 to 129
    assert values == [0, 0, 128, 255, 255, 255]


def test_transform_invert_accepts_a_tensor_that_requires_grad():
    tensor = torch.rand(3, 4, 5, requires_grad=True)
    assert transform_invert(tensor * 2).size == (5, 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU; this machine has none")
def test_transform_invert_accepts_a_gpu_tensor():
    assert transform_invert(torch.rand(3, 4, 5, device="cuda")).size == (5, 4)


@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_transform_invert_picks_the_image_mode_from_the_channel_count(channels, mode):
    assert transform_invert(torch.rand(channels, 4, 5)).mode == mode


def test_transform_invert_reads_integer_tensors_as_0_to_255():
    tensor = transforms.PILToTensor()(gradient_image())
    assert np.array_equal(np.asarray(transform_invert(tensor)), np.asarray(gradient_image()))


@pytest.mark.parametrize("channels", [2, 5, 64])
def test_transform_invert_rejects_channel_counts_it_cannot_show(channels):
    with pytest.raises(ValueError, match=f"got {channels}; pick the channels"):
        transform_invert(torch.rand(channels, 4, 5))


def test_transform_invert_rejects_a_batch():
    with pytest.raises(ValueError, match=r"C×H×W tensor, got \(1, 3, 4, 5\)"):
        transform_invert(torch.rand(1, 3, 4, 5))


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


class FailingFigure:
    def savefig(self, path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a png")
        raise OSError(28, "No space left on device")


def test_a_failed_save_keeps_the_previous_figure_and_leaves_no_temporary_file(tmp_path):
    old = tmp_path / "maxpool.png"
    old.write_bytes(b"the learner's previous figure")
    with pytest.raises(OSError, match="No space left"):
        save_figure(FailingFigure(), str(tmp_path), "maxpool")
    assert old.read_bytes() == b"the learner's previous figure"
    assert os.listdir(tmp_path) == ["maxpool.png"]


def test_saved_figures_get_the_usual_file_mode(tmp_path):
    from matplotlib import pyplot as plt

    fig = plt.figure()
    path = save_figure(fig, str(tmp_path), "empty")
    plt.close(fig)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_prepare_output_dir_refuses_a_file_and_leaves_it_alone(tmp_path):
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    with pytest.raises(InputError, match="is a file, not a folder"):
        prepare_output_dir(str(existing))
    with pytest.raises(InputError, match="cannot write to --out"):
        prepare_output_dir(str(existing / "figures"))
    assert existing.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write")
def test_prepare_output_dir_refuses_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(InputError, match="cannot write to --out"):
        prepare_output_dir(str(locked))


def test_show_without_a_display_says_so_and_does_not_block(capsys):
    from matplotlib import pyplot as plt

    plt.figure()
    show_figures(True)  # the tests run on Agg: plt.show() would warn, not open a window
    assert "no display" in capsys.readouterr().err
    assert plt.get_fignums() == []
    plt.figure()
    show_figures(None)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("image not found: x.png"), 1),
        (OSError(28, "No space left on device"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_run_cli_turns_bad_input_disk_errors_and_ctrl_c_into_one_line(capsys, error, code):
    def main(argv):
        raise error

    assert run_cli(main) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
