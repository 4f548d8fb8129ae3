"""lesson3/claims_pooling_parameters.py: the article's descriptions of the pooling layers'
parameters, and the errata they lead to."""

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


def test_torchvisions_classifiers_use_stride_equal_to_kernel_about_half_the_time(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--stride")
    assert "nn.MaxPool2d(3).stride = 3" in out
    # every classifier torchvision lists, on the meta device; counted as modules and as the
    # poolings one forward pass applies (Inception v3 calls F.avg_pool2d in its blocks)
    assert "80 classification models, 32 with max or average pooling" in out
    assert "modules: 98 poolings, 53 with stride = kernel (54%), 36 overlapping 3×3/2" in out
    assert "calls: 109 poolings, 53 with stride = kernel (49%), 38 overlapping 3×3/2" in out
    assert decisions == ["有条件成立"]  # 49% of what the networks do: under the 50% rule


def test_the_census_counts_every_models_pooling_calls(claims_parameters):
    # the script runs forward passes only for the models with a MaxPool2d or AvgPool2d module:
    # the others pool nothing in their forward (no F.max_pool2d either)
    from torchvision import models

    built = claims_parameters.every_model(models)
    assert len(built) == len(models.list_models(module=models))
    without = {n: m for n, m in built.items() if not claims_parameters.has_pooling(m)}
    assert len(without) == 48
    assert [n for n, m in without.items() if claims_parameters.pooling_calls(n, m)] == []
    inception = claims_parameters.pooling_calls("inception_v3", built["inception_v3"])
    assert len(inception) > sum(
        isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d))
        for m in built["inception_v3"].modules()
    )


@pytest.mark.parametrize(
    "share, decision", [(0.54, "成立 holds"), (0.49, "有条件成立 holds only if"),
                        (0.1, "有条件成立 holds only if"), (0.09, "不成立 does not hold")],
)  # fmt: skip
def test_usually_holds_from_half_the_layers_and_not_under_a_tenth(
    claims_parameters, share, decision
):
    assert claims_parameters.usually_verdict(share) == decision


def test_dilation_spreads_nine_samples_but_no_segmentation_model_dilates_pooling(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--dilation")
    for rate, span in [(1, 3), (2, 5), (3, 7)]:
        assert (
            f"dilation={rate})：窗口取 9 个像素，覆盖 {span}×{span} / samples 9 pixels spanning "
            f"{span}×{span}" in out
        )
    assert "deeplabv3_resnet50: 空洞卷积 11 个，空洞池化 0 个" in out
    assert out.count("dilated pooling layers 0") == 6  # every segmentation model torchvision lists
    assert decisions == ["不成立"]  # as written for pooling: the rule in lesson3/README.md


@pytest.mark.parametrize(
    "spreads, share, decision",
    [(True, 0.5, "成立 holds"), (True, 1 / 6, "有条件成立 holds only if"),
     (True, 0.0, "不成立 does not hold"), (False, 1.0, "不成立 does not hold")],
)  # fmt: skip
def test_the_dilation_verdict_can_come_out_each_way(claims_parameters, spreads, share, decision):
    assert claims_parameters.dilation_verdict(spreads, share) == decision


def test_the_default_divisor_counts_padding(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--avg-divisor")
    assert "0.4444 = 4 / 9" in out
    assert decisions == ["有条件成立"]


def test_maxunpool2d_padding_shrinks_the_output(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--unpool-padding")
    assert "padding=0): 3×3 → 7×7" in out and "padding=1): 3×3 → 5×5" in out
    assert decisions == ["有条件成立"]  # incomplete, not false: the rule in lesson3/README.md
    assert "Padding that was added to the input" in out


@pytest.mark.parametrize(
    "without, with_padding, decision",
    [(7, 9, "成立 holds"), (7, 5, "有条件成立 holds only if"), (7, 7, "不成立 does not hold")],
)
def test_the_unpool_padding_verdict_can_come_out_each_way(
    claims_parameters, without, with_padding, decision
):
    assert claims_parameters.unpool_padding_verdict(without, with_padding) == decision
