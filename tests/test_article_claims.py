"""lesson3/article_claims.py: each claim's decision, and the errata: the article's statements
that PyTorch contradicts (entries tested elsewhere are listed in lesson3/README.md)."""

import re

import pytest
import torch
import torch.nn as nn


def test_avgpool2d_has_no_dilation_argument():
    # the article lists dilation among nn.AvgPool2d's parameters
    with pytest.raises(TypeError, match="dilation"):
        nn.AvgPool2d((2, 2), stride=(2, 2), dilation=1)
    assert "dilation" not in nn.AvgPool2d.__init__.__code__.co_varnames


def test_pooling_layers_have_no_weights():
    # the article's maxpool code carries a comment copied from the convolution layer:
    # "input:(i, o, size) weights:(o, i , h, w)"
    assert list(nn.MaxPool2d((2, 2), stride=(2, 2)).parameters()) == []
    assert list(nn.AvgPool2d((2, 2), stride=(2, 2)).parameters()) == []


def test_padding_keeps_the_size_only_with_stride_1():
    # the article: "一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变"
    img = torch.zeros(1, 3, 512, 512)
    assert nn.MaxPool2d(2, stride=2, padding=1)(img).shape[-1] == 257  # stride 2 halves anyway
    assert nn.MaxPool2d(3, stride=1, padding=1)(img).shape[-1] == 512
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        nn.MaxPool2d(2, stride=1, padding=2)(img)  # and padding may not exceed kernel / 2


def test_a_transposed_convolution_is_not_an_inverse_convolution():
    # the article calls (c) 反卷积 (deconvolution); PyTorch's docs: "not an actual deconvolution
    # operation as it does not compute a true inverse of convolution"
    torch.manual_seed(0)
    img = torch.rand(1, 1, 4, 4)
    conv = nn.Conv2d(1, 1, 2, stride=2, bias=False)
    deconv = nn.ConvTranspose2d(1, 1, 2, stride=2, bias=False)
    deconv.weight.data = conv.weight.data
    with torch.no_grad():
        assert (deconv(conv(img)) - img).abs().max() > 0.1


def test_sigmoid_reaches_exactly_1_in_float32():
    # "输出值在(0,1)" holds in exact arithmetic; float32 rounds to 1 from x = 16.64
    assert torch.sigmoid(torch.tensor(16.64)).item() == 1.0
    assert torch.sigmoid(torch.tensor(16.63)).item() < 1.0


def number_after(label, out):
    return float(re.search(re.escape(label) + r"\s*(-?[\d.e+-]+)", out).group(1))


def test_three_linear_layers_collapse_into_one_and_a_relu_breaks_that(run_claims):
    code, out, err = run_claims("--linear-collapse")
    assert (code, err) == (0, "")
    assert number_after("largest difference:", out) < 1e-6  # float rounding only (~1e-7)
    assert number_after("with ReLU between them:", out) > 0.1
    assert "nn.Linear 存的是 W 的转置 stores Wᵀ" in out
    assert "结论 verdict: 成立 holds" in out


def parse_invariance_table(out):
    table = {}
    for line in out.splitlines():
        if line.startswith(("shift ", "rotate ")):
            *label, unpooled, max_ratio, avg_ratio, subsample_ratio = line.split()
            table[" ".join(label)] = (float(max_ratio), float(avg_ratio), float(subsample_ratio))
    return table


def test_invariance_numbers_behind_the_errata_entry(run_claims, tmp_path):
    code, out, err = run_claims("--invariance")
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


def test_invariance_on_a_flat_image_says_there_is_nothing_to_measure(run_claims, tmp_path):
    from PIL import Image

    Image.new("RGB", (6, 9), (5, 90, 5)).save(tmp_path / "flat.png")
    code, out, err = run_claims("--invariance", "--image", str(tmp_path / "flat.png"))
    assert (code, err) == (0, "")
    assert "nothing to measure" in out and "verdict" not in out
