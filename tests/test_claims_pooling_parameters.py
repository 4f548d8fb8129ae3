"""lesson3/claims_pooling_parameters.py: the article's descriptions of the pooling layers'
parameters, and the errata they lead to."""

import re

import pytest
import torch
import torch.nn as nn
from conftest import verdicts_of


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
    # an even kernel keeps the size once dilated to an odd span: 2·(2 - 1) + 1 = 3 pixels
    assert nn.MaxPool2d(2, stride=1, padding=1, dilation=2)(img).shape[-1] == 512


def test_the_padding_verdict_names_the_span_not_only_an_odd_kernel(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--padding")
    assert "MaxPool2d(2, stride=1, padding=1, dilation=2): 窗口跨 spans 3, 512 → 512" in out
    assert decisions == ["有条件成立"] and "窗口跨奇数个像素" in out


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


def test_classic_models_use_overlapping_pooling_as_often_as_not(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--stride")
    assert "nn.MaxPool2d(3).stride = 3" in out
    assert "torchvision alexnet        kernel/stride: 3/2, 3/2, 3/2" in out
    census = re.search(
        r"(\d+) 个池化层 pooling layers: stride = kernel (\d+); stride < kernel (\d+) "
        r"\(3×3 步长 2 的重叠池化 overlapping 3×3/2: (\d+); 步长 1 stride 1: (\d+), "
        r"其中 GoogLeNet 的分支 of them GoogLeNet's branches: (\d+)\)",
        out,
    )
    total, same, smaller, overlapping, stride_1, googlenet = map(int, census.groups())
    # the words of the verdict are these numbers: 11 of the 20 are 3×3/2, 9 are GoogLeNet's
    assert (total, same, smaller, overlapping, stride_1, googlenet) == (29, 9, 20, 11, 9, 9)
    assert same / total < 0.5 and decisions == ["有条件成立"]
    assert "只有 9 个如此（不到 50%）：11 个是 3×3、步长 2 的重叠池化" in out


def test_dilation_spreads_nine_samples_and_segmentation_dilates_convolutions(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--dilation")
    for rate, span in [(1, 3), (2, 5), (3, 7)]:
        assert (
            f"dilation={rate}): 窗口取 9 个像素 samples 9 pixels, 覆盖 spanning {span}×{span}"
            in out
        )
    assert "deeplabv3_resnet50: dilation > 1 的卷积层 convolutions" in out
    assert out.count("池化层 pooling 0") == 2


def test_the_default_divisor_counts_padding(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--avg-divisor")
    assert "0.4444 = 4 / 9" in out
    assert decisions == ["有条件成立"]


def test_maxunpool2d_padding_shrinks_the_output(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--unpool-padding")
    assert "padding=0): 3×3 → 7×7" in out and "padding=1): 3×3 → 5×5" in out
    assert decisions == ["有条件成立"]  # incomplete, not false: the rule in lesson3/README.md
    assert "Padding that was added to the input" in out
