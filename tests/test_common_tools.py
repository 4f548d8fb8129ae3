"""common_tools.py, the article's two helpers: set_seed and transform_invert, and that importing
the module changes nothing."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from PIL import Image
from torchvision import transforms

from common_tools import set_seed, transform_invert


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


# ============================= importing the helpers changes nothing =============================


def run_python(code, cwd, *python):
    return subprocess.run(
        [sys.executable, *python, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_importing_common_tools_defines_the_two_helpers_and_changes_nothing():
    code = (
        "import os, signal, sys\n"
        "umask = os.umask(0o022); os.umask(umask)\n"
        "before = (signal.getsignal(signal.SIGINT), list(sys.path), set(sys.modules), umask)\n"
        "import common_tools\n"
        "umask = os.umask(0o022); os.umask(umask)\n"
        "after = (signal.getsignal(signal.SIGINT), list(sys.path), set(sys.modules), umask)\n"
        "assert before[0] is after[0] is signal.default_int_handler, after[0]\n"
        "assert before[1] == after[1] and before[3] == after[3]\n"
        "print(sorted(after[2] - before[2]))\n"
        "print(sorted(n for n in vars(common_tools) if not n.startswith('_')))\n"
    )
    result = run_python(code, REPO_ROOT)
    assert result.returncode == 0, result.stderr
    new_modules, names = result.stdout.splitlines()
    heavy = ("torch", "numpy", "PIL", "matplotlib", "torchvision", "lesson_cli", "signal")
    assert "'common_tools'" in new_modules
    assert not any(f"'{name}" in new_modules for name in heavy), new_modules
    assert names == "['random', 'set_seed', 'transform_invert']"


LEARNERS_SCRIPT = """\
import os
import signal
import time

from common_tools import transform_invert, set_seed

try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:
    print("my own except KeyboardInterrupt ran")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGINT) ends the process on Windows")
@pytest.mark.parametrize("folder", [".", "lesson3"])
def test_a_learners_own_script_uses_the_articles_import_and_keeps_its_ctrl_c(folder):
    # the article's own repository keeps common_tools.py in lesson3/: both places work
    path = os.path.join(REPO_ROOT, folder, f"_learner_{os.getpid()}.py")
    with open(path, "w", encoding="utf-8") as file:
        file.write(LEARNERS_SCRIPT)
    try:
        result = subprocess.run(
            [sys.executable, path],
            cwd=os.path.dirname(path),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.remove(path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "my own except KeyboardInterrupt ran\n"


def test_lesson3s_common_tools_is_the_top_folders_helpers_not_a_copy():
    code = (
        "import sys; sys.path.insert(0, 'lesson3')\n"
        "import common_tools\n"
        "print(common_tools.set_seed.__code__.co_filename)\n"
    )
    result = run_python(code, REPO_ROOT)
    assert result.stdout.strip() == os.path.join(REPO_ROOT, "common_tools.py")


def test_the_bridge_copied_out_of_the_repository_says_what_to_copy(tmp_path):
    # copied beside a learner's script elsewhere it has no ../common_tools.py to run: it used to
    # end in a FileNotFoundError traceback
    import shutil

    shutil.copy(os.path.join(REPO_ROOT, "lesson3", "common_tools.py"), tmp_path)
    result = run_python("from common_tools import transform_invert, set_seed", tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "only points to the repository's top-level common_tools.py" in line
    assert "copy that one instead" in line
