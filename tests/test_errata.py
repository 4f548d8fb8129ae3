"""勘误 / Errata: the article's statements that PyTorch contradicts, one test each.

Entries tested elsewhere are listed in lesson3/README.md next to their tests.
"""

import ast
import os
import re

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT


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


def test_every_errata_test_named_in_lesson3_readme_exists():
    with open(os.path.join(REPO_ROOT, "lesson3", "README.md"), encoding="utf-8") as readme:
        named = set(re.findall(r"(tests/test_\w+\.py)::(test_\w+)", readme.read()))
    assert len(named) >= 20
    for path, name in sorted(named):
        with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{path}::{name}"
