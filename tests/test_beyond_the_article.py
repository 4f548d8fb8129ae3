"""lesson3/beyond_the_article.py: unpooling vs upsampling, the output-size rule, pooling written
as loops, and global pooling."""

import itertools

import pytest
import torch
import torch.nn as nn


def grid():
    """Every combination the rule is checked on (max pooling; dilation 1 is shared with avg)."""
    for size, kernel, stride, dilation, ceil_mode in itertools.product(
        range(1, 17), range(1, 5), range(1, 4), range(1, 4), (False, True)
    ):
        for padding in range(kernel // 2 + 2):  # one past the limit
            yield size, kernel, stride, padding, dilation, ceil_mode


def torch_length(layer, size):
    try:
        return layer(torch.zeros(1, 1, size, size)).shape[-1]
    except RuntimeError:
        return "error"


def formula_length(pool_output_size, *args):
    try:
        return pool_output_size(*args)
    except ValueError:
        return "error"


def test_output_size_rule_matches_maxpool2d_and_avgpool2d_on_the_whole_grid(beyond):
    mismatches, checked, invalid = [], 0, 0
    for size, kernel, stride, padding, dilation, ceil_mode in grid():
        expected = formula_length(
            beyond.pool_output_size, size, kernel, stride, padding, dilation, ceil_mode
        )
        layers = [nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)]
        if dilation == 1:
            layers.append(nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode))
        for layer in layers:
            checked += 1
            got = torch_length(layer, size)
            invalid += got == "error"
            if got != expected:
                mismatches.append((type(layer).__name__, size, kernel, stride, padding, dilation))
    assert mismatches == []
    assert checked == 4608 and invalid > 1000  # the invalid corner is exercised too


def test_the_meta_device_gives_the_cpu_layers_answers_and_errors_on_the_whole_grid(beyond):
    mismatches = []
    for size, kernel, stride, padding, dilation, ceil_mode in grid():
        for pool in (nn.MaxPool2d, nn.AvgPool2d):
            if pool is nn.AvgPool2d and dilation != 1:
                continue
            row = beyond.row_pool(pool, kernel, stride, padding, dilation, ceil_mode)
            on_meta = beyond.length_or_error(beyond.pooled_length, row, size)
            on_cpu = str(torch_length(row, size))
            if on_meta != on_cpu:
                mismatches.append((pool.__name__, size, kernel, stride, padding, dilation))
    assert mismatches == []


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding(beyond):
    # rounding up alone would give ceil((5 + 2 - 2) / 2) + 1 = 4
    assert beyond.pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 5, 5)).shape[-1] == 3
    assert beyond.pool_output_size(6, 3, 2, padding=1, ceil_mode=True) == 4  # here it does round up
    assert beyond.pool_output_size(6, 3, 2, padding=1, ceil_mode=False) == 3


@pytest.mark.parametrize(("padding", "stride"), [(2, 2), (0, 0)])
def test_invalid_pooling_settings_raise_in_the_rule_and_in_pytorch(beyond, padding, stride):
    with pytest.raises(ValueError):
        beyond.pool_output_size(8, 2, stride, padding)
    with pytest.raises(RuntimeError):
        nn.MaxPool2d(2, stride, padding)(torch.zeros(1, 1, 8, 8))


def test_output_size_prints_the_rule_and_each_row_agrees_with_pytorch(run_beyond):
    code, out, err = run_beyond("--output-size")
    assert (code, err) == (0, "")
    assert "out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1\n" in out
    rows = [line for line in out.splitlines() if line.count("|") == 2 and "formula" not in line]
    assert len(rows) == 10
    for row in rows:
        formula, max_out, avg_out = row.split("|")[1].split()
        assert formula == max_out and avg_out in (formula, "-"), row
    assert "  512       2      2       0        1     False |     256       256       256" in out
    assert "    5       2      2       1        1      True |       3         3         3" in out
    assert "    8       2      2       2        1     False |   error     error     error" in out


def test_unpool_vs_upsample_prints_the_three_ways_back_and_saves_its_figure(run_beyond, tmp_path):
    code, out, err = run_beyond("--unpool-vs-upsample")
    assert (code, err) == (0, "")
    for heading in [
        "(a) nn.MaxUnpool2d:",
        "(b) nn.Upsample(mode='nearest'):",
        "(b) nn.Upsample(mode='bilinear'):",
        "(c) nn.ConvTranspose2d, weight [[[[1.0, 0.5], [0.25, 0.0]]]]:",
    ]:
        assert heading + "\n" in out
    assert "5×5 输入 input, indices [0, 2, 10, 12]" in out
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {"unpool_vs_upsample.png"}


def test_unpooling_is_sparse_upsampling_copies_and_a_transposed_convolution_stamps_its_kernel():
    torch.manual_seed(0)
    img_tensor = torch.rand(1, 1, 4, 4)
    img_pool, indices = nn.MaxPool2d(2, 2, return_indices=True)(img_tensor)
    img_unpool = nn.MaxUnpool2d(2, 2)(img_pool, indices)
    assert torch.count_nonzero(img_unpool) == 4  # one value per window, zeros elsewhere
    nearest = nn.Upsample(scale_factor=2, mode="nearest")(img_pool)
    assert torch.equal(nearest, img_pool.repeat_interleave(2, -1).repeat_interleave(2, -2))
    deconv = nn.ConvTranspose2d(1, 1, 2, stride=2, bias=False)
    weight = torch.tensor([[1.0, 0.5], [0.25, 0.0]])
    deconv.weight.data = weight.reshape(1, 1, 2, 2)
    stamped = torch.kron(img_pool[0, 0], weight)  # each value times the whole kernel
    assert torch.allclose(deconv(img_pool)[0, 0], stamped)


def test_maxunpool_without_output_size_misplaces_a_5x5_inputs_values():
    img = torch.arange(24.0, -1.0, -1.0).reshape(1, 1, 5, 5)
    img_pool, indices = nn.MaxPool2d(2, 2, return_indices=True)(img)
    guessed = nn.MaxUnpool2d(2, 2)(img_pool, indices)
    told = nn.MaxUnpool2d(2, 2)(img_pool, indices, output_size=(5, 5))
    assert guessed.shape[-2:] == (4, 4) and told.shape[-2:] == (5, 5)
    assert told[0, 0, 2, 0] == 14 and guessed[0, 0, 2, 0] == 0  # 14 landed at (2, 2) instead
    with pytest.raises(RuntimeError, match="invalid max index"):
        flipped = torch.arange(25.0).reshape(1, 1, 5, 5)  # maxima at bottom-right: index 18
        nn.MaxUnpool2d(2, 2)(*nn.MaxPool2d(2, 2, return_indices=True)(flipped))


def test_unpooling_needs_output_size_for_even_sizes_too_when_pooling_had_padding(run_beyond):
    code, out, err = run_beyond("--unpool-vs-upsample")
    assert (code, err) == (0, "")
    line = next(line for line in out.splitlines() if line.startswith("MaxPool2d(3, 2, padding=1)"))
    # which index PyTorch names changes with the thread count: only the reason is printed
    assert "8×8 → 4×4" in line
    assert "7×7: Found an invalid max index (output volumes are of size 7x7)" in line
    assert line.endswith("output_size=(8, 8) → 8×8")
    with pytest.raises(RuntimeError, match="invalid max index"):
        img_pool, indices = nn.MaxPool2d(3, 2, padding=1, return_indices=True)(
            torch.arange(64.0).reshape(1, 1, 8, 8)
        )
        nn.MaxUnpool2d(3, 2, padding=1)(img_pool, indices)


def maximum_at(row, col):
    """An 8×8 input whose one maximum is at (row, col), 0-based, pooled by MaxPool2d(3, 2, 1)
    and unpooled by MaxUnpool2d(3, 2, 1) without output_size: its guess is 7×7."""
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, row, col] = 1.0
    img_pool, indices = nn.MaxPool2d(3, 2, padding=1, return_indices=True)(x)
    return nn.MaxUnpool2d(3, 2, padding=1)(img_pool, indices)


def test_errata_6_an_index_inside_the_guess_lands_silently_in_the_wrong_place():
    # the errata said a maximum in row 8 or column 8 raises: row 3, column 8 (index 2·8 + 7 =
    # 23) raises nothing and lands at row 4, column 3 of the 7×7 guess
    back = maximum_at(2, 7)
    assert back.shape[-2:] == (7, 7) and back[0, 0, 23 // 7, 23 % 7] == 1 and back.sum() == 1
    # an index of 49 or more (outside 7×7) raises: row 7, column 2 is index 58
    with pytest.raises(RuntimeError, match="invalid max index"):
        maximum_at(7, 1)
    # index 48 (row 7, column 1) is the last that fits
    assert maximum_at(6, 0)[0, 0, 48 // 7, 48 % 7] == 1


def test_the_unpool_figure_says_what_a_transposed_convolution_does(beyond):
    from matplotlib import pyplot as plt

    beyond.unpool_vs_upsample()
    figure = plt.gcf()
    title = figure.get_suptitle()
    assert "mixes" not in title and "value × kernel in each 2×2 block, no overlap" in title


# ================================= --output-size ==================================


def test_output_size_takes_a_learners_numbers_and_shows_each_step(run_beyond):
    code, out, err = run_beyond(
        "--output-size", "--size", "7", "--kernel", "3", "--stride", "2", "--padding", "1"
    )
    assert (code, err) == (0, "")
    assert "  1. in + 2·padding - dilation·(kernel - 1) - 1 = 7 + 2·1 - 1·(3 - 1) - 1 = 6\n" in out
    assert "  2. 6 / stride = 6 / 2 = 3 → floor → 3\n" in out
    assert "公式 formula: 4   nn.MaxPool2d: 4   nn.AvgPool2d: 4\n" in out


def test_output_size_explains_the_window_ceil_mode_drops(run_beyond):
    code, out, _ = run_beyond(
        "--output-size", "--size", "5", "--kernel", "2", "--padding", "1", "--ceil-mode"
    )
    assert code == 0
    assert "  3. + 1 = 4\n" in out and "inside the right-hand padding: dropped → 3" in out
    assert "公式 formula: 3   nn.MaxPool2d: 3   nn.AvgPool2d: 3\n" in out


def test_output_size_with_dilation_has_no_avgpool_column(run_beyond):
    code, out, _ = run_beyond("--output-size", "--size", "7", "--kernel", "3", "--dilation", "2")
    assert code == 0
    assert "公式 formula: 1   nn.MaxPool2d: 1   nn.AvgPool2d: — (AvgPool2d 没有 dilation" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--kernel", "2", "--padding", "2"], 1, "nn.MaxPool2d refuses them: pad should be"),
        (["--kernel", "9"], 1, "nn.MaxPool2d refuses them:"),
        (["--stride", "2"], 1, "needs both --size and --kernel"),
        (["--kernel", "0"], 2, "argument --kernel: 应为 1 到 1000000 的整数 / must be a whole"),
        (["--kernel", "2", "--size", "0"], 2, "from 1 to 1000000, got '0'"),
        (["--kernel", "two"], 2, "argument --kernel: 应为 1 到 1000000 的整数"),
        (["--kernel", "99999999999999999999999"], 2, "got '99999999999999999999999'"),
        (["--kernel", "2", "--stride", str(10**30)], 2, "argument --stride: 应为 1 到 1000000"),
        (["--kernel", "2", "--padding", "-1"], 2, "argument --padding: 应为 0 到 1000000 的整数"),
        (["--kernel", "2", "--dilation", "1e6"], 2, "argument --dilation: 应为 1 到 1000000"),
    ],
)
def test_output_size_numbers_pytorch_refuses_are_one_line(run_beyond, args, code, message):
    extra = [] if "--size" in args or args == ["--stride", "2"] else ["--size", "8"]
    got, out, err = run_beyond("--output-size", *extra, *args)
    assert got == code, err
    assert len(err.splitlines()) == 1 and message in err


def test_output_size_answers_a_million_pixels_from_pytorchs_own_shape_rule(run_beyond):
    # the layers run on the meta device: shapes and errors, no computing (this took minutes)
    args = ["--size", "1000000", "--kernel", "1000000", "--stride", "1", "--padding", "500000"]
    code, out, err = run_beyond("--output-size", *args)
    assert (code, err) == (0, "")
    assert "公式 formula: 1000001   nn.MaxPool2d: 1000001   nn.AvgPool2d: 1000001" in out


def test_output_size_options_without_the_flag_are_refused(run_beyond):
    code, _, err = run_beyond("--pool-from-scratch", "--size", "8")
    assert code == 2 and "--size goes with --output-size" in err


@pytest.mark.parametrize("size", [2, 3, 300])
def test_every_output_size_note_is_true_for_the_image_actually_pooled(run_beyond, tmp_path, size):
    from PIL import Image

    Image.new("RGB", (size, size)).save(tmp_path / "square.png")
    code, out, err = run_beyond("--output-size", "--image", str(tmp_path / "square.png"))
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines() if line.count("|") == 2 and "formula" not in line]
    assert len(rows) == 10
    for row in rows[:5]:
        size_in, kernel, stride, padding = (int(v) for v in row.split()[:4])
        formula = row.split("|")[1].split()[0]
        note = row.split("|")[2]
        assert size_in == size
        if "article: 512" in note:
            assert size == 512
        if "keeps the size" in note:
            assert formula == str(size)
        if "does not keep the size" in note:
            assert formula != str(size)
        if "one more window" in note:
            assert formula != rows[3].split("|")[1].split()[0]
    assert ("512 → 256" in out) == (size == 512)


# ================================= --pool-from-scratch ==================================


def scratch_grid():
    for height, width in [(1, 1), (2, 3), (4, 4), (5, 5), (5, 7), (6, 4), (7, 7)]:
        for kernel, stride, ceil_mode in itertools.product(range(1, 5), range(1, 4), (False, True)):
            for padding in range(kernel // 2 + 1):
                yield height, width, kernel, stride, padding, ceil_mode


def test_pooling_by_hand_equals_pytorch_on_a_grid_with_zero_mismatches(beyond):
    torch.manual_seed(0)
    mismatches, checked = [], 0
    for height, width, kernel, stride, padding, ceil_mode in scratch_grid():
        x = torch.randint(-9, 10, (height, width)).float()
        layers = {
            ("max", True, None): nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode),
        }
        for count_include_pad, divisor in itertools.product((True, False), (None, 3)):
            layers["avg", count_include_pad, divisor] = nn.AvgPool2d(
                kernel, stride, padding, ceil_mode, count_include_pad, divisor
            )
        for (mode, count_include_pad, divisor), layer in layers.items():
            try:
                expected = layer(x[None, None])[0, 0]
            except RuntimeError:  # the window does not fit: the rule must refuse it too
                with pytest.raises(ValueError):
                    beyond.pool_by_hand(x, kernel, stride, padding, ceil_mode, mode)
                continue
            got, _ = beyond.pool_by_hand(
                x, kernel, stride, padding, ceil_mode, mode, count_include_pad, divisor
            )
            checked += 1
            if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-6):
                mismatches.append((height, width, kernel, stride, padding, ceil_mode, mode))
    assert mismatches == []
    assert checked > 1500


def test_pool_from_scratch_prints_each_divisor_next_to_pytorch(run_beyond):
    code, out, err = run_beyond("--pool-from-scratch")
    assert (code, err) == (0, "")
    assert out.count("相同 / equal: True") == 6 and "相同 / equal: False" not in out
    # padding counts in the default divisor; count_include_pad=False counts real pixels only
    assert "divides by: [[9, 9, 9], [9, 9, 9], [9, 9, 9]]" in out
    assert "divides by: [[4, 6, 4], [6, 9, 6], [4, 6, 4]]" in out
    # ceil_mode's windows that hang over the edge: the part outside is never counted
    assert "divides by: [[4, 4, 2], [4, 4, 2], [2, 2, 1]]" in out
    assert "divides by: [[3, 3], [3, 3]]" in out


# ================================= --global-pooling ==================================


def test_global_pooling_prints_each_shape_for_two_sizes_and_explains_the_error(run_beyond):
    code, out, err = run_beyond("--global-pooling")
    assert (code, err) == (0, "")
    for size in ("(1, 3, 32, 32)", "(1, 3, 48, 40)"):
        assert f"--- 输入 input {size} ---" in out
    assert out.count(f"{'AdaptiveAvgPool2d(output_size=(1, 1))':<40} → (1, 8, 1, 1)") == 2
    assert out.count("→ (1, 10)") == 2
    assert out.count("each channel's mean: True") == 2
    assert "48×40: RuntimeError: " in out and "1x3840 and 2048x10" in out
    # 7 → 3 and 5 → 3, drawn from the window model: windows that overlap, PyTorch's means
    lines = out.splitlines()
    assert lines.index("    0: [0, 3)  ■ ■ ■ · · · ·") + 2 == lines.index(
        "    2: [4, 7)  · · · · ■ ■ ■"
    )
    assert "    1: [1, 4)  · ■ ■ ■ ·" in lines
    assert "    重复读的像素 / pixels read by two windows: [2, 4]" in lines
    assert "[1.0, 3.0, 5.0] = nn.AdaptiveAvgPool2d((1, 3)) [1.0, 3.0, 5.0]" in out
    assert "[0.5, 2.0, 3.5] = nn.AdaptiveAvgPool2d((1, 3)) [0.5, 2.0, 3.5]" in out


def test_adaptive_pooling_maps_any_size_to_the_same_output():
    for size in [(7, 9), (32, 32), (5, 3)]:
        x = torch.rand(2, 4, *size)
        assert nn.AdaptiveAvgPool2d((2, 2))(x).shape == (2, 4, 2, 2)
        assert torch.allclose(nn.AdaptiveAvgPool2d(1)(x).flatten(1), x.mean(dim=(2, 3)))
        assert torch.equal(nn.AdaptiveMaxPool2d(1)(x).flatten(1), x.amax(dim=(2, 3)))


def test_max_pooling_backward_adds_at_a_shared_maximum_where_unpooling_writes_once(run_beyond):
    code, out, err = run_beyond("--unpool-vs-upsample")
    assert (code, err) == (0, "")
    overlapping, apart = [line for line in out.splitlines() if "windows whose max" in line]
    assert "bright pixel: 4;" in overlapping and "backward adds there: 4;" in overlapping
    assert "unpooling writes once: 1;" in overlapping and overlapping.endswith("equal: False")
    assert "bright pixel: 1;" in apart and apart.endswith("equal: True")  # no overlap: the same
