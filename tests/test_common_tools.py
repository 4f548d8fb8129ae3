"""common_tools: set_seed, transform_invert's promises, image loading, figure saving, and the
command line every lesson script shares (flags from a table of sections, one-line errors)."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, SCRIPT, SCRIPTS, run_script
from PIL import Image
from torchvision import transforms

import common_tools
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


# ============================= the command line every script shares =============================


def assert_one_line_error(result, *fragments, code=1):
    assert result.returncode == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS)
@pytest.mark.parametrize("folder", ["lesson3", "."])
def test_each_script_finds_common_tools_from_inside_the_repository(folder, script):
    result = run_script("--list", cwd=f"{REPO_ROOT}/{folder}", script=script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--")


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS)
@pytest.mark.parametrize("args", [["--list"], ["--help"]])
def test_list_and_help_answer_without_importing_torch_or_matplotlib(args, tmp_path, script):
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{script!r}, *{args!r}]\n"
        "try:\n"
        f"    runpy.run_path({script!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('imported:', [m for m in ('torch', 'matplotlib', 'PIL') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.rstrip().endswith("imported: []")


def test_list_shows_every_flag_with_the_articles_heading(tmp_path):
    result = run_script("--list", cwd=tmp_path)
    assert result.returncode == 0
    assert "--maxpool" in result.stdout and "最大池化：nn.MaxPool2d()" in result.stdout
    assert "--linear" in result.stdout and "线性层" in result.stdout


def test_an_unknown_flag_is_one_line_and_exit_2(tmp_path):
    result = run_script("--maxpol", cwd=tmp_path)
    assert_one_line_error(result, "unrecognized arguments: --maxpol", "--help", code=2)


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


def test_an_out_that_is_a_file_is_refused_and_the_file_kept(tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("my notes")
    result = run_script("--maxpool", "--out", str(keep), cwd=tmp_path)
    assert_one_line_error(result, "--out is a file, not a folder")
    assert keep.read_text() == "my notes"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux's read-only /sys")
def test_an_out_that_cannot_be_written_is_one_line(tmp_path):
    result = run_script("--maxunpool", "--out", "/sys/lesson3-figures", cwd=tmp_path)
    assert_one_line_error(result, "cannot write to --out /sys/lesson3-figures")


def test_a_section_that_saves_nothing_never_touches_out(tmp_path):
    result = run_script("--linear", "--out", "/sys/lesson3-figures", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    result = run_script("--linear", "--out", str(tmp_path / "new"), cwd=tmp_path)
    assert result.returncode == 0 and not (tmp_path / "new").exists()


def test_existing_figures_are_replaced_and_other_files_in_out_are_untouched(run_main, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "maxunpool.png").write_bytes(b"old figure")
    (out / "mine.png").write_bytes(b"the learner's own file")
    code, _, err = run_main("--maxunpool", out_dir=out)
    assert code == 0, err
    assert (out / "maxunpool.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "mine.png").read_bytes() == b"the learner's own file"
    assert sorted(p.name for p in out.iterdir()) == ["maxunpool.png", "mine.png"]


def test_output_redirected_through_a_legacy_code_page_does_not_crash(tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="cp1252")  # English Windows, output redirected
    result = subprocess.run(
        [sys.executable, SCRIPT, "--list"], cwd=tmp_path, env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    assert "最大池化".encode() in result.stdout


def test_the_input_image_is_never_overwritten_by_a_figure_of_the_same_name(run_main, tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out / "maxpool.png")
    before = (out / "maxpool.png").read_bytes()
    code, _, err = run_main("--maxpool", "--image", str(out / "maxpool.png"), out_dir=out)
    assert code == 1 and "would overwrite --image" in err and len(err.splitlines()) == 1
    assert (out / "maxpool.png").read_bytes() == before


def test_out_is_not_created_when_the_image_fails_to_load(run_main, tmp_path):
    code, _, err = run_main("--maxpool", "--image", str(tmp_path / "missing.png"))
    assert code == 1 and "image not found" in err
    assert not (tmp_path / "figures").exists()


def test_image_given_to_sections_that_use_none_is_a_usage_error(run_main, tmp_path):
    code, out, err = run_main("--linear", "--image", str(tmp_path / "x.png"))
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "--image 只用于 is used only by: --maxpool, --avgpool" in err


# ---------------------------------------------------------------- the start-up environment check


def fake_versions(**versions):
    """A version_of() for environment_problems: the real versions, with some replaced."""
    real = {p: common_tools.installed_version(p) for p in ("torch", "torchvision", "numpy")}
    real.update({p: common_tools.installed_version(p) for p, _ in common_tools.read_requirements()})
    real.update(versions)
    return real.get


def test_the_environment_this_suite_runs_in_has_no_known_problem():
    assert common_tools.environment_problems() == []


def test_a_torch_built_for_numpy_1_next_to_numpy_2_is_named():
    problems = common_tools.environment_problems(
        fake_versions(torch="2.2.2", numpy="2.1.0"), torch_wanted=lambda: [("==", "2.2.2")]
    )
    assert "torch 2.2.2 低于 is below 2.3" in problems
    assert any("built for NumPy 1, but numpy 2.1.0" in p for p in problems)


def test_torch_and_torchvision_that_do_not_match_are_named():
    versions = fake_versions(torch="2.4.1", torchvision="0.18.0")
    problems = common_tools.combination_problems(versions, lambda: [("==", "2.3.0")])
    assert problems == ["torchvision 0.18.0 需要 needs torch==2.3.0, but torch 2.4.1 is installed"]
    # a local build tag (+cpu, +cu121) does not make a match a mismatch
    versions = fake_versions(torch="2.3.0+cpu", torchvision="0.18.0")
    assert common_tools.combination_problems(versions, lambda: [("==", "2.3.0")]) == []


def test_a_missing_package_is_named():
    assert "matplotlib 未安装 is not installed" in common_tools.environment_problems(
        fake_versions(matplotlib=None)
    )


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("2.15.0+cu132", (2, 15, 0)),
        ("2.3.0rc1", (2, 3, 0)),
        ("0.18", (0, 18)),
        ("9.1.0", (9, 1, 0)),
    ],
)
def test_version_tuple_reads_release_numbers(text, parsed):
    assert common_tools.version_tuple(text) == parsed


def fake_old_torch(folder, version="2.2.0"):
    """Metadata that says torch <version> is installed, put first on sys.path with PYTHONPATH:
    importlib.metadata finds it before the real torch, as if an old torch were installed."""
    dist_info = folder / f"torch-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
    return {"PYTHONPATH": str(folder)}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_an_old_torch_next_to_numpy_2_is_one_line_before_torch_is_imported(tmp_path, script):
    env = fake_old_torch(tmp_path / "site")
    result = run_script("--help", cwd=tmp_path, script=SCRIPTS[script], env=env)
    assert result.returncode == 0  # --help and --list don't look at the packages
    flag = {"nn_layers_others": "--linear", "beyond_the_article": "--output-size"}
    result = run_script(flag.get(script, "--affine"), cwd=tmp_path, script=SCRIPTS[script], env=env)
    assert result.returncode == 1
    assert result.stdout.strip() == "" or "====" not in result.stdout
    (line,) = result.stderr.splitlines()
    assert "torch 2.2.0 低于 is below 2.3" in line
    assert "built for NumPy 1" in line
    assert "pip install --upgrade -r requirements.txt" in line
