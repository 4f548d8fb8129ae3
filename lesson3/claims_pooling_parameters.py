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

# common_tools.py sits in the repository's top folder, plots.py beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]


from verdicts import DOES_NOT_HOLD, HOLDS, HOLDS_IF, claim, verdict

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


def stride_equals_kernel():
    """参数：stride “通常与 kernel_size 一致”"""
    import torch.nn as nn

    claim(PARAMETERS, "stride：步长，通常与 kernel_size 一致")
    print(
        f"默认 default: nn.MaxPool2d(3).stride = {nn.MaxPool2d(3).stride}, "
        f"nn.AvgPool2d(3).stride = {nn.AvgPool2d(3).stride} (stride=None → kernel_size)"
    )
    same = other = 0
    for name, model in classic_models().items():
        pools = [m for m in model.modules() if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))]
        described = [f"{pair(m.kernel_size)[0]}/{pair(m.stride)[0]}" for m in pools]
        equal = sum(pair(m.kernel_size) == pair(m.stride) for m in pools)
        same, other = same + equal, other + len(pools) - equal
        print(f"  torchvision {name:<14} kernel/stride: {', '.join(described)}")
    print(f"  stride = kernel: {same} 个池化层 layers, stride ≠ kernel: {other}")
    verdict(
        HOLDS_IF,
        f"默认值确实是 stride = kernel_size；但这些经典模型里 {other} 个池化层用了更小的 stride"
        "（3×3、步长 2 的重叠池化，如 AlexNet、ResNet）。",
        f"the default is stride = kernel_size, but {other} pooling layers of these classic models "
        "use a smaller stride (overlapping 3×3 windows with stride 2, as in AlexNet and ResNet).",
    )


def padding_keeps_size():
    """参数：padding “保持输入和输出的图像尺寸不变”"""
    import torch
    import torch.nn as nn

    claim(PARAMETERS, "padding：… 一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变。")
    x = torch.zeros(1, 1, 512, 512)
    kept = {}
    for kernel, stride, padding in [(3, 1, 1), (5, 1, 2), (2, 1, 1), (2, 2, 1), (3, 2, 1)]:
        out = nn.MaxPool2d(kernel, stride, padding)(x).shape[-1]
        kept[kernel, stride] = out == 512
        print(f"  MaxPool2d({kernel}, stride={stride}, padding={padding}): 512 → {out}")
    print("  偶数 kernel 没有合适的 padding：(512 + 2p - 2) / 1 + 1 = 512 要求 p = 0.5")
    print("  / an even kernel has no such padding: it would need p = 0.5")
    only_odd_stride_1 = (
        kept[3, 1] and kept[5, 1] and not any(kept[k] for k in [(2, 1), (2, 2), (3, 2)])
    )
    verdict(
        HOLDS_IF if only_odd_stride_1 else DOES_NOT_HOLD,
        "只有 stride=1、kernel 为奇数、padding = (kernel - 1) / 2 时尺寸才不变。",
        "only with stride 1, an odd kernel and padding = (kernel - 1) / 2.",
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
        HOLDS_IF,
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
    verdict(
        DOES_NOT_HOLD if sizes[1] < sizes[0] else HOLDS,
        "MaxUnpool2d 的 padding 不是往输出上加的填充，而是池化时加的那圈，反池化时减掉。",
        "MaxUnpool2d's padding adds nothing: it is the pooling's padding, subtracted again.",
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
