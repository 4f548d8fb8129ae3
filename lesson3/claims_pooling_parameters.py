"""池化层参数的论断，逐条实测 / The article's claims about the pooling layers' parameters, measured.

nn.MaxPool2d's, nn.AvgPool2d's and nn.MaxUnpool2d's parameters, as the article describes them;
the claims of the article's 池化层 introduction are in claims_pooling.py.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/claims_pooling_parameters.py --list
    python lesson3/claims_pooling_parameters.py --stride --unpool-padding

No flag runs every claim. The article's own code is in nn_layers_others.py.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, lab/ beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lab.verdicts import DOES_NOT_HOLD, HOLDS, HOLDS_IF, claim, verdict

# ============================= 池化层的参数 pooling parameters =============================

PARAMETERS = "nn.MaxPool2d() 的参数"


def classic_models():
    """Some torchvision models, built on the meta device: no memory, no weights, no download."""
    import torch
    from torchvision import models

    with torch.device("meta"):
        return {
            "alexnet": models.alexnet(),
            "vgg16": models.vgg16(),
            "resnet18": models.resnet18(),
            "googlenet": models.googlenet(init_weights=False, aux_logits=False),
            "densenet121": models.densenet121(),
            "squeezenet1_0": models.squeezenet1_0(),
        }


def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def pixels_read_by(pool, size):
    """Which input pixels the centre output of ``pool`` reads: put a single 1 at each position
    in turn (one image each) and see where the centre output becomes 1."""
    import torch

    one_hot = torch.eye(size * size).reshape(size * size, 1, size, size)
    out = pool(one_hot)
    return (out[:, 0, out.shape[-2] // 2, out.shape[-1] // 2] == 1).reshape(size, size)


USUALLY = 0.5  # "通常 usually": the share of layers a practice needs to be the usual one


def stride_equals_kernel():
    """参数：stride “通常与 kernel_size 一致”"""
    import torch.nn as nn

    claim(PARAMETERS, "stride：步长，通常与 kernel_size 一致")
    print(
        f"默认 default: nn.MaxPool2d(3).stride = {nn.MaxPool2d(3).stride}, "
        f"nn.AvgPool2d(3).stride = {nn.AvgPool2d(3).stride} (stride=None → kernel_size)"
    )
    layers = []  # (model, kernel, stride) of every pooling layer
    for name, model in classic_models().items():
        pools = [m for m in model.modules() if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))]
        layers += [(name, pair(m.kernel_size)[0], pair(m.stride)[0]) for m in pools]
        described = [f"{pair(m.kernel_size)[0]}/{pair(m.stride)[0]}" for m in pools]
        print(f"  torchvision {name:<14} kernel/stride: {', '.join(described)}")
    same = sum(kernel == stride for _, kernel, stride in layers)
    overlapping = sum((kernel, stride) == (3, 2) for _, kernel, stride in layers)
    stride_1 = [name for name, kernel, stride in layers if stride == 1 < kernel]
    other = len(layers) - same
    print(
        f"  {len(layers)} 个池化层 pooling layers: stride = kernel {same}; stride < kernel {other}"
        f" (3×3 步长 2 的重叠池化 overlapping 3×3/2: {overlapping}; 步长 1 stride 1:"
        f" {len(stride_1)}, 其中 GoogLeNet 的分支 of them GoogLeNet's branches:"
        f" {stride_1.count('googlenet')})"
    )
    usually = same / len(layers) >= USUALLY  # "通常": at least half of the layers
    verdict(
        HOLDS if usually else HOLDS_IF,
        f"默认值确实是 stride = kernel_size；但这些模型的 {len(layers)} 个池化层里只有 {same} 个"
        f"如此（不到 {USUALLY:.0%}）：{overlapping} 个是 3×3、步长 2 的重叠池化"
        f"（AlexNet、ResNet 等），{len(stride_1)} 个步长为 1（GoogLeNet 的分支池化）。",
        f"the default is stride = kernel_size, but only {same} of these models' {len(layers)} "
        f"pooling layers use it (under {USUALLY:.0%}): {overlapping} are overlapping 3×3 windows "
        f"with stride 2 (AlexNet, ResNet, ...) and {len(stride_1)} have stride 1 (GoogLeNet's "
        "branch pools).",
    )


def padding_keeps_size():
    """参数：padding “保持输入和输出的图像尺寸不变”"""
    import torch
    import torch.nn as nn

    claim(PARAMETERS, "padding：… 一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变。")
    x = torch.zeros(1, 1, 512, 512)
    kept = {}
    for kernel, stride, padding, dilation in [
        (3, 1, 1, 1),
        (5, 1, 2, 1),
        (2, 1, 1, 1),
        (2, 2, 1, 1),
        (3, 2, 1, 1),
        (2, 1, 1, 2),  # an even kernel, dilated: it spans 3 pixels
    ]:
        out = nn.MaxPool2d(kernel, stride, padding, dilation)(x).shape[-1]
        span = dilation * (kernel - 1) + 1  # the pixels a window spans
        kept[kernel, stride, dilation] = (out == 512, span)
        print(
            f"  MaxPool2d({kernel}, stride={stride}, padding={padding}, dilation={dilation}): "
            f"窗口跨 spans {span}, 512 → {out}"
        )
    print("  (512 + 2p - span) / 1 + 1 = 512 要求 p = (span - 1) / 2：窗口跨奇数个像素才行")
    print("  / it needs p = (span - 1) / 2: a window spanning an odd number of pixels")
    rule = all(
        keeps == (stride == 1 and span % 2 == 1) for (_, stride, _), (keeps, span) in kept.items()
    )
    verdict(
        HOLDS_IF if rule else DOES_NOT_HOLD,
        "只有 stride=1、窗口跨奇数个像素（dilation·(kernel - 1) + 1 为奇数，dilation=1 时即 kernel "
        "为奇数）、padding = dilation·(kernel - 1) / 2 时尺寸才不变。",
        "only with stride 1, a window spanning an odd number of pixels (dilation·(kernel - 1) + 1; "
        "with dilation 1, an odd kernel) and padding = dilation·(kernel - 1) / 2.",
    )


def dilation():
    """参数：dilation “提升感受野”“常用于图像分割任务中”"""
    import torch
    import torch.nn as nn
    from torchvision.models import segmentation

    claim(PARAMETERS, "dilation：池化间隔大小，默认为1。常用于图像分割任务中，主要是为了提升感受野")
    for rate in (1, 2, 3):
        mask = pixels_read_by(nn.MaxPool2d(3, stride=1, dilation=rate), size=15)
        rows, cols = mask.nonzero().unbind(1)
        print(
            f"  MaxPool2d(3, stride=1, dilation={rate}): 窗口取 {int(mask.sum())} 个像素 "
            f"samples {int(mask.sum())} pixels, 覆盖 spanning {rows.max() - rows.min() + 1}×"
            f"{cols.max() - cols.min() + 1}"
        )
    with torch.device("meta"):
        models = {
            "deeplabv3_resnet50": segmentation.deeplabv3_resnet50(
                weights=None, weights_backbone=None
            ),
            "fcn_resnet50": segmentation.fcn_resnet50(weights=None, weights_backbone=None),
        }
    dilated_pools = 0
    for name, model in models.items():
        convs = sum(isinstance(m, nn.Conv2d) and max(pair(m.dilation)) > 1 for m in model.modules())
        pools = sum(
            isinstance(m, nn.MaxPool2d) and max(pair(m.dilation)) > 1 for m in model.modules()
        )
        dilated_pools += pools
        print(
            f"  torchvision {name}: dilation > 1 的卷积层 convolutions {convs},"
            f" 池化层 pooling {pools}"
        )
    verdict(
        HOLDS if dilated_pools > 0 else HOLDS_IF,  # "常用于图像分割": in segmentation pooling?
        "dilation 确实用同样 9 个像素覆盖更大的范围；但分割网络用的是空洞卷积，"
        f"torchvision 的分割模型里 dilation > 1 的池化层有 {dilated_pools} 个。",
        "dilation does spread the same 9 samples over a wider window; but segmentation networks "
        f"dilate their convolutions: torchvision's segmentation models have {dilated_pools} "
        "dilated pooling layers.",
    )


def average_divisor():
    """参数：count_include_pad，divisor_override “分母默认是像素值的个数”"""
    import torch
    import torch.nn as nn

    claim(
        "nn.AvgPool2d() 的参数",
        "count_include_pad：在计算平均值时，是否把填充值考虑在内计算 … 分母默认是像素值的个数",
    )
    ones = torch.ones(1, 1, 4, 4)
    for name, layer in [
        ("AvgPool2d(3, stride=1, padding=1)", nn.AvgPool2d(3, 1, 1)),
        (
            "AvgPool2d(3, stride=1, padding=1, count_include_pad=False)",
            nn.AvgPool2d(3, 1, 1, count_include_pad=False),
        ),
    ]:
        print(f"  全 1 的 4×4 输入 / all-ones 4×4 input, {name}:\n{layer(ones)[0, 0]}")
    corner = nn.AvgPool2d(3, 1, 1)(ones)[0, 0, 0, 0].item()
    print(
        f"  角上的窗口有 4 个像素、5 个填充，默认除以 9：{corner:.4f} = 4 / 9 / the corner window "
        "holds 4 pixels and 5 padding cells, and divides by 9"
    )
    verdict(
        HOLDS_IF if abs(corner - 4 / 9) < 1e-6 else DOES_NOT_HOLD,
        "count_include_pad 的说明成立；但“分母默认是像素值的个数”只在没有 padding 时成立："
        "有 padding 时默认分母是 kernel 面积（填充也算）。",
        "count_include_pad is described right; the default divisor is the number of pixels only "
        "without padding: with padding it is the kernel area, padding included.",
    )


def unpool_padding():
    """nn.MaxUnpool2d 的 padding “填充宽度”"""
    import torch
    import torch.nn as nn

    claim("nn.MaxUnpool2d()", "padding：填充宽度")
    pooled = torch.ones(1, 1, 3, 3)
    indices = torch.zeros(1, 1, 3, 3, dtype=torch.long)
    sizes = {}
    for padding in (0, 1):
        out = nn.MaxUnpool2d(3, stride=2, padding=padding)(pooled, indices)
        sizes[padding] = out.shape[-1]
        print(
            f"  MaxUnpool2d(3, stride=2, padding={padding}): 3×3 → "
            f"{sizes[padding]}×{sizes[padding]}"
        )
    print(
        "  out = (in - 1)·stride - 2·padding + kernel_size: padding 让输出变小，\n"
        "  它是池化时的 padding，反池化把它去掉\n"
        "  / padding shrinks the output: it is the pooling's padding, taken off again"
    )
    # PyTorch's docstring: "padding: Padding that was added to the input". The article's
    # "填充宽度" names it without saying that unpooling takes it off again: incomplete, not false
    verdict(
        HOLDS_IF if sizes[1] < sizes[0] else HOLDS,
        "它确实是填充宽度，但是池化时加在输入上的那圈（PyTorch 文档：Padding that was added to the "
        f"input），反池化时把它减掉：padding=1 让输出从 {sizes[0]}×{sizes[0]} 变成 "
        f"{sizes[1]}×{sizes[1]}，不是往输出上加填充。",
        "it is a padding width, but the one pooling added to its input (PyTorch's docs: "
        '"Padding that was added to the input"), which unpooling takes off again: padding=1 '
        f"shrinks the output from {sizes[0]}×{sizes[0]} to {sizes[1]}×{sizes[1]}; it adds no "
        "padding to the output.",
    )


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section("stride", "参数：stride “通常与 kernel_size 一致”", stride_equals_kernel),
    Section("padding", "参数：padding “保持输入和输出的图像尺寸不变”", padding_keeps_size),
    Section("dilation", "参数：dilation “提升感受野”“常用于图像分割任务中”", dilation),
    Section("avg-divisor", "参数：count_include_pad、“分母默认是像素值的个数”", average_divisor),
    Section("unpool-padding", "nn.MaxUnpool2d：padding “填充宽度”", unpool_padding),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS)


if __name__ == "__main__":
    sys.exit(run_command(main))
