"""Beyond the article: unpooling vs upsampling, the output-size rule and invariance measured."""

import itertools

import pytest
import torch
import torch.nn as nn


def grid():
    """Every combination the rule is checked on (max pooling; dilation 1 is shared with avg)."""
    for size, kernel, stride, dilation, ceil_mode in itertools.product(
        range(1, 17), range(1, 5), range(1, 4), range(1, 4), (False, True)
    ):
        for padding in range(kernel // 2 + 1):
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


def test_output_size_rule_matches_maxpool2d_and_avgpool2d_on_the_whole_grid(lesson):
    mismatches, checked, invalid = [], 0, 0
    for size, kernel, stride, padding, dilation, ceil_mode in grid():
        expected = formula_length(
            lesson.pool_output_size, size, kernel, stride, padding, dilation, ceil_mode
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
    assert checked == 3072 and invalid > 100  # the invalid corner is exercised too


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding(lesson):
    # rounding up alone would give ceil((5 + 2 - 2) / 2) + 1 = 4
    assert lesson.pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3
    assert nn.MaxPool2d(2, 2, padding=1, ceil_mode=True)(torch.zeros(1, 1, 5, 5)).shape[-1] == 3
    assert lesson.pool_output_size(6, 3, 2, padding=1, ceil_mode=True) == 4  # here it does round up
    assert lesson.pool_output_size(6, 3, 2, padding=1, ceil_mode=False) == 3


@pytest.mark.parametrize(("padding", "stride"), [(2, 2), (0, 0)])
def test_invalid_pooling_settings_raise_in_the_rule_and_in_pytorch(lesson, padding, stride):
    with pytest.raises(ValueError):
        lesson.pool_output_size(8, 2, stride, padding)
    with pytest.raises(RuntimeError):
        nn.MaxPool2d(2, stride, padding)(torch.zeros(1, 1, 8, 8))


def test_output_size_prints_the_rule_and_each_row_agrees_with_pytorch(run_main):
    code, out, err = run_main("--output-size")
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


def test_unpool_vs_upsample_prints_the_three_ways_back_and_saves_its_figure(run_main, tmp_path):
    code, out, err = run_main("--unpool-vs-upsample")
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


def parse_invariance_table(out):
    table = {}
    for line in out.splitlines():
        if line.startswith(("shift ", "rotate ")):
            *label, unpooled, max_ratio, avg_ratio, subsample_ratio = line.split()
            table[" ".join(label)] = (float(max_ratio), float(avg_ratio), float(subsample_ratio))
    return table


def test_invariance_numbers_behind_the_errata_entry(run_main, tmp_path):
    code, out, err = run_main("--invariance")
    assert (code, err) == (0, "")
    table = parse_invariance_table(out)
    assert len(table) == 14
    max_shift_1, avg_shift_1, _ = table["shift 1 px"]
    assert max_shift_1 < 0.85  # some invariance to a 1-pixel shift ...
    assert table["rotate 1°"][0] > 0.9  # ... little to 1°,
    assert all(table[f"rotate {a}°"][0] > 0.98 for a in range(4, 11))  # none from 4° on
    assert all(abs(row[2] - 1) < 0.03 for row in table.values())  # subsampling alone: ~1
    assert all(row[1] < row[0] for row in table.values())  # averaging smooths more than max
    assert "结论 verdict: 一次 2×2 最大池化吸收 1 像素平移的 20%，旋转最多 6%" in out
    assert {p.name for p in (tmp_path / "figures").iterdir()} == {"invariance.png"}


def test_invariance_on_a_flat_image_says_there_is_nothing_to_measure(run_main, tmp_path):
    from PIL import Image

    Image.new("RGB", (6, 9), (5, 90, 5)).save(tmp_path / "flat.png")
    code, out, err = run_main("--invariance", "--image", str(tmp_path / "flat.png"))
    assert (code, err) == (0, "")
    assert "nothing to measure" in out and "verdict" not in out
