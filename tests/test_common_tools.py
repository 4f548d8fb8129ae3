"""common_tools: set_seed, transform_invert's promises, image loading, figure saving, and the
command line every lesson script shares (flags from a table of sections, one-line errors)."""

import os
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, SCRIPT, SCRIPTS, run_script, saved_figures
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
    use_figure_backend,
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


def test_show_without_a_display_says_so_and_does_not_block(capsys, monkeypatch):
    from matplotlib import pyplot as plt

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert use_figure_backend(True) is False
    assert "no display" in capsys.readouterr().err
    assert use_figure_backend(None) is False
    assert capsys.readouterr().err == ""
    plt.figure()
    show_figures(False)  # never blocks, and closes the figures
    assert plt.get_fignums() == []


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


def test_a_section_that_saves_nothing_never_touches_out(run_main, tmp_path):
    code, _, err = run_main("--linear", out_dir="/sys/lesson3-figures")  # a read-only checkout
    assert (code, err) == (0, "")
    code, _, err = run_main("--linear", out_dir=tmp_path / "new")
    assert code == 0 and not (tmp_path / "new").exists()


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


# ---------------------------------------------------------------- bad input, round two

LINUX = sys.platform.startswith("linux")


def run_raw(*args, cwd, env=None, script=SCRIPT, python=(), **kwargs):
    """Run a script with bytes for output, to check the encoding it prints in; ``python``:
    options for Python itself, such as ("-W", "error")."""
    env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    env.pop("DISPLAY", None)
    kwargs.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, *python, script, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def gray_levels():
    return np.random.default_rng(0).integers(0, 256, (24, 20)).astype(np.uint8)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("16bit.png", lambda a: Image.fromarray(a.astype(np.uint16) * 257)),  # mode I;16
        ("32bit.tif", lambda a: Image.fromarray(a.astype(np.int32) * 257, "I")),
        ("float.tif", lambda a: Image.fromarray(a.astype(np.float32) / 255, "F")),
    ],
)
def test_images_with_more_than_8_bits_load_as_their_8_bit_version(tmp_path, name, make):
    levels = gray_levels()
    make(levels).save(tmp_path / name)
    Image.fromarray(levels, "L").save(tmp_path / "8bit.png")
    wide = np.asarray(load_image(str(tmp_path / name)))
    assert np.array_equal(wide, np.asarray(load_image(str(tmp_path / "8bit.png"))))
    assert wide.max() == levels.max() > 200  # scaled, not clipped to white


def test_an_image_whose_values_fit_no_scale_is_refused_in_one_line(tmp_path):
    Image.fromarray(gray_levels().astype(np.int32) * 1000, "I").save(tmp_path / "raw.tif")
    result = run_script("--maxpool", "--image", "raw.tif", "--out", "out", cwd=tmp_path)
    assert_one_line_error(result, "32-bit integer image with values 0~255000: raw.tif")
    assert not (tmp_path / "out").exists()


def test_a_gbk_console_gets_chinese_in_gbk_and_stand_ins_for_what_gbk_lacks(tmp_path):
    result = run_raw("--linear", cwd=tmp_path, env={"PYTHONIOENCODING": "gbk"})
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("gbk")  # strict: every byte is GBK
    assert "线性层 nn.Linear(3, 4)" in text and "y = x·W^T + b" in text  # ᵀ is not in GBK
    result = run_raw("--list", cwd=tmp_path, env={"PYTHONIOENCODING": "gbk"})
    assert "最大池化：nn.MaxPool2d()" in result.stdout.decode("gbk")


def test_a_console_without_chinese_gets_escapes_never_a_crash(tmp_path):
    for encoding in ("cp1252", "ascii"):
        result = run_raw("--list", cwd=tmp_path, env={"PYTHONIOENCODING": encoding})
        assert result.returncode == 0, result.stderr
        assert "\\u6700\\u5927" in result.stdout.decode(encoding)  # 最大, escaped
        result = run_raw(
            "--image", "无.png", "--maxpool", cwd=tmp_path, env={"PYTHONIOENCODING": encoding}
        )
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert b"image not found: \\u65e0.png" in result.stderr


@pytest.mark.skipif(not LINUX, reason="file names that are not UTF-8 exist on Linux")
def test_file_names_that_are_not_utf8_are_printed_escaped(tmp_path):
    out = os.fsencode(tmp_path) + b"/figures-\xff"
    result = run_raw(
        "--maxunpool", "--out", out, "--no-show", cwd=tmp_path, env={"PYTHONIOENCODING": "utf-8"}
    )
    assert result.returncode == 0, result.stderr
    assert b"figures-\\udcff/maxunpool.png" in result.stdout
    assert os.path.exists(out + b"/maxunpool.png")
    for encoding in ("utf-8", "cp1252"):  # an error message naming such a file is one line too
        missing = os.fsencode(tmp_path) + b"/\xff.png"
        result = run_raw(
            "--maxpool", "--image", missing, cwd=tmp_path, env={"PYTHONIOENCODING": encoding}
        )
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
        assert b"\\udcff.png" in result.stderr


def test_an_mplbackend_matplotlib_cannot_use_never_matters_without_show(tmp_path):
    result = run_script(
        "--maxunpool", "--linear", "--out", "out", cwd=tmp_path, env={"MPLBACKEND": "nonsense"}
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert saved_figures(tmp_path / "out") == {"maxunpool.png"}


def test_an_mplbackend_that_cannot_be_used_with_show_is_one_line_and_figures_are_saved(tmp_path):
    # Jupyter's inline backend, which `!python script.py` inherits from a kernel
    inline = "module://matplotlib_inline.backend_inline"
    env = {"MPLBACKEND": inline, "DISPLAY": ":99"}
    result = run_script("--maxunpool", "--show", "--out", "out", cwd=tmp_path, env=env)
    assert result.returncode == 0
    (line,) = result.stderr.splitlines()
    assert f"MPLBACKEND={inline}" in line and "figures are saved only" in line
    assert saved_figures(tmp_path / "out") == {"maxunpool.png"}


@pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT is not a signal one process sends another on Windows"
)
def test_ctrl_c_anywhere_is_one_line_exit_130_and_leaves_no_temporary_file(tmp_path):
    import signal
    import time

    for delay in (0.3, 2.5):  # importing libraries; computing, drawing and saving figures
        out = tmp_path / f"out-{delay}"
        process = subprocess.Popen(
            [sys.executable, SCRIPT, "--out", str(out), "--no-show"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8"),
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        err = process.communicate(timeout=60)[1].decode()
        if process.returncode == 0:
            continue  # a fast machine finished first
        assert (process.returncode, err) == (130, "已中断 interrupted\n")
        assert not [p for p in saved_figures(out) if p.startswith(".")]


@pytest.mark.skipif(not LINUX, reason="/dev/full is Linux's")
def test_a_closed_pipe_ends_quietly_and_a_full_disk_is_one_line(tmp_path):
    script = SCRIPTS["beyond_the_article"]
    process = subprocess.Popen(
        [sys.executable, script, "--pool-from-scratch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    process.stdout.read(10)  # `| head -c 10`: read a little, then close the pipe
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and err == ""
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, script, "--pool-from-scratch"],
            stdout=full,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        )
    assert result.returncode == 1
    assert (
        result.stderr.decode()
        == "错误 error: 无法写出输出 cannot write the output: No space left on device\n"
    )


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


def test_a_large_picture_is_drawn_from_a_smaller_copy_with_its_true_size_in_the_title(lesson):
    from PIL import Image as PILImage

    fig = lesson.plots.before_after(
        PILImage.new("RGB", (3000, 2000)), PILImage.new("RGB", (1500, 1000)), "x"
    )
    (ax_raw, ax_pool) = fig.axes
    assert ax_raw.get_title() == "before: 3000×2000" and ax_pool.get_title() == "after: 1500×1000"
    assert ax_raw.images[0].get_array().shape[:2] == (683, 1024)
    assert ax_pool.images[0].get_array().shape[:2] == (683, 1024)


@pytest.mark.parametrize(
    "error",
    [
        MemoryError(),
        RuntimeError(
            "[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: can't allocate memory"
        ),
        ImportError("libtorch_cpu.so: failed to map segment from shared object"),
    ],
)
def test_running_out_of_memory_is_one_line(capsys, error):
    def main(argv):
        raise error

    assert run_cli(main, []) == 1
    assert capsys.readouterr().err == f"错误 error: {common_tools.OUT_OF_MEMORY}\n"


def test_other_runtime_errors_keep_their_traceback():
    def main(argv):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run_cli(main, [])


@pytest.mark.skipif(not LINUX, reason="resource limits on address space are Linux's")
def test_a_picture_too_big_for_the_memory_there_is_gets_one_line(tmp_path):
    # Load the libraries first, then allow 800 MB more address space than they took: enough
    # for the script, not for a 4096×4096 picture (about 1.3 GB more), whatever torch's build.
    Image.new("RGB", (4096, 4096), (9, 9, 9)).save(tmp_path / "big.png", compress_level=1)
    code = (
        "import resource, runpy, sys, torch, torchvision, matplotlib.pyplot\n"
        "size = [l for l in open('/proc/self/status') if l.startswith('VmSize')][0]\n"
        "limit = int(size.split()[1]) * 1024 + (800 << 20)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = run_raw(
        "--maxpool", "--image", "big.png", "--out", "out", cwd=tmp_path, python=("-c", code)
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.decode().splitlines() == [f"错误 error: {common_tools.OUT_OF_MEMORY}"]


def test_a_large_picture_is_scaled_down_and_says_so(tmp_path, capsys):
    Image.new("RGB", (5000, 2500), (9, 9, 9)).save(tmp_path / "wide.png", compress_level=1)
    assert load_image(str(tmp_path / "wide.png")).size == (4096, 2048)
    assert capsys.readouterr().err.splitlines() == [
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


def test_a_dangling_symlink_as_out_says_so(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    result = run_script("--maxunpool", "--out", "link", cwd=tmp_path)
    assert_one_line_error(result, "--out is a broken link: link -> ")


def test_an_out_that_looks_like_a_file_name_is_refused(tmp_path):
    result = run_script("--maxunpool", "--out", "result.png", cwd=tmp_path)
    assert_one_line_error(
        result, "--out names a folder for all the figures, not a file: result.png"
    )
    assert not (tmp_path / "result.png").exists()


def test_a_failed_save_names_the_figure_not_the_temporary_file(tmp_path):
    class DiskFull:
        def savefig(self, *args, **kwargs):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as raised:
        save_figure(DiskFull(), str(tmp_path), "maxpool")
    assert (
        str(raised.value)
        == f"无法保存 cannot save {tmp_path / 'maxpool.png'}: No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_replaced_figure_keeps_the_mode_the_user_gave_it(run_main, tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "maxunpool.png").write_bytes(b"old")
    os.chmod(out / "maxunpool.png", 0o600)
    code, _, err = run_main("--maxunpool", out_dir=out)
    assert code == 0, err
    assert (out / "maxunpool.png").stat().st_mode & 0o777 == 0o600
    assert (out / "maxunpool.png").read_bytes().startswith(b"\x89PNG")


def test_a_newline_in_a_file_name_stays_on_the_one_line_error(tmp_path):
    result = run_script("--maxpool", "--image", "two\nlines.png", cwd=tmp_path)
    assert_one_line_error(result, "image not found: two\\nlines.png")


@pytest.mark.skipif(not LINUX, reason="uses Linux's read-only /sys")
def test_an_unwritable_out_suggests_another_folder(tmp_path):
    result = run_script("--maxunpool", "--out", "/sys/nope", cwd=tmp_path)
    assert_one_line_error(
        result, "cannot write to --out /sys/nope", "choose a folder you can write with --out DIR"
    )


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
