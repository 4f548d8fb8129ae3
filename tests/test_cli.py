"""The script as a learner runs it: from any folder, headless, and bad input as one clear line."""

import os
import subprocess
import sys

import pytest
from conftest import REPO_ROOT, SCRIPT, run_script
from PIL import Image

ALL_FIGURES = {
    "maxpool.png",
    "avgpool.png",
    "maxunpool.png",
    "activation_sigmoid_tanh_relu.png",
    "activation_relu_variants.png",
    "unpool_vs_upsample.png",
    "invariance.png",
}


def assert_one_line_error(result, *fragments, code=1):
    assert result.returncode == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_the_default_run_from_a_foreign_folder_runs_every_section_and_saves_every_figure(
    tmp_path,
):
    result = run_script("--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    headings = [line for line in result.stdout.splitlines() if line.startswith("=====")]
    flags = [heading.split("[")[1].split("]")[0] for heading in headings]
    article_order = ["--maxpool", "--avgpool", "--divisor-override", "--maxunpool", "--linear"]
    beyond = ["--unpool-vs-upsample", "--output-size", "--invariance"]
    assert flags == [*article_order, "--activations", *beyond]
    assert "池化后尺寸:torch.Size([1, 3, 256, 256])" in result.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == ALL_FIGURES


@pytest.mark.parametrize("folder", ["lesson3", "."])
def test_the_script_finds_common_tools_from_inside_the_repository(folder):
    result = run_script("--list", cwd=f"{REPO_ROOT}/{folder}")
    assert result.returncode == 0, result.stderr
    assert "--maxunpool" in result.stdout


@pytest.mark.parametrize("args", [["--list"], ["--help"]])
def test_list_and_help_answer_without_importing_torch(args, tmp_path):
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{SCRIPT!r}, *{args!r}]\n"
        "try:\n"
        f"    runpy.run_path({SCRIPT!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('torch imported:', 'torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.rstrip().endswith("torch imported: False")


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
    result = run_script("--linear", "--out", "/sys/lesson3-figures", cwd=tmp_path)
    assert_one_line_error(result, "cannot write to --out /sys/lesson3-figures")


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
