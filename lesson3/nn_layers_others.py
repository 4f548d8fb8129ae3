"""3.3 池化层、线性层和激活函数层 / Pooling, linear and activation layers.

Companion code for the article's chapter 3.3. Each section of the article is a function below,
under the article's heading; a command-line flag picks it (no flag: every section, in article
order). Run ``python lesson3/nn_layers_others.py --list`` to see them.

Each section imports what it uses at its top, like the article's code block, so that ``--help``
and ``--list`` answer without loading torch (which takes seconds).
"""

import argparse
import os
import sys
from typing import Callable, NamedTuple

# common_tools.py sits at the top of the repository: find it from any working directory.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common_tools import (  # noqa: E402
    DEFAULT_OUT_DIR,
    SAMPLE_IMAGE,
    OneLineArgumentParser,
    load_image,
    prepare_output_dir,
    run_cli,
    save_figure,
    set_seed,
    show_figures,
    transform_invert,
    use_figure_backend,
)

# ================================= 池化层 pooling ==================================


def maxpool(img):
    """最大池化：nn.MaxPool2d()"""
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    # convert to tensor
    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2))
    img_pool = maxpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)
    return {"maxpool": before_after_figure(img_raw, img_pool, "MaxPool2d((2, 2), stride=(2, 2))")}


def avgpool(img):
    """nn.AvgPool2d()"""
    import torch
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool_pil = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)

    # 文章中的 4×4 全 1 例子 / the article's 4×4 example
    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    return {
        "avgpool": before_after_figure(img_raw, img_pool_pil, "AvgPool2d((2, 2), stride=(2, 2))")
    }


def divisor_override():
    """加上 divisor_override=3 后 / nn.AvgPool2d(divisor_override=3)"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2), divisor_override=3)
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    return {}


def maxunpool():
    """nn.MaxUnpool2d()"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    # pooling
    img_tensor = torch.randint(high=5, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)

    # unpooling
    img_reconstruct = torch.randn_like(img_pool, dtype=torch.float)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    img_unpool = maxunpool_layer(img_reconstruct, indices)

    print("raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool))
    print("img_reconstruct:\n{}\nimg_unpool:\n{}".format(img_reconstruct, img_unpool))
    # 文章此处误贴了代码，上面才是真实输出 / the article repeats the code here; this is the output
    print("indices:\n{}".format(indices))
    return {"maxunpool": unpool_figure(img_tensor, img_reconstruct, img_unpool, indices)}


# ================================= 线性层 linear ==================================


def linear():
    """线性层"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    inputs = torch.tensor([[1.0, 2, 3]])
    linear_layer = nn.Linear(3, 4)
    linear_layer.weight.data = torch.tensor(
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], [4.0, 4.0, 4.0]]
    )

    linear_layer.bias.data.fill_(0.5)
    output = linear_layer(inputs)
    print(inputs, inputs.shape)
    print(linear_layer.weight.data, linear_layer.weight.data.shape)
    print(output, output.shape)
    print(
        "注 note: 文章显示 AddmmBackward，新版 PyTorch 显示 AddmmBackward0，是同一个反向节点"
        " / the article's AddmmBackward is named AddmmBackward0 in current PyTorch: same node"
    )
    print("y = x·Wᵀ + b: 6.5 = (1 + 2 + 3)·1 + 0.5, 12.5 = (1 + 2 + 3)·2 + 0.5, ...")
    return {}


# ================================= 激活函数层 activations ==================================


def activations():
    """激活函数层"""
    figures = {}
    stacked_linear_layers()
    figures.update(sigmoid_tanh_relu())
    figures.update(relu_variants())
    return figures


def stacked_linear_layers():
    """没有非线性变换时，多个线性层的组合等价于一个线性层"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    x = torch.randn(64, 8)
    layer1, layer2, layer3 = (nn.Linear(8, 8, bias=False) for _ in range(3))

    # Output = X·W1·W2·W3 = X·W: nn.Linear computes x·Wᵀ, so the one layer's weight is W3·W2·W1
    one_layer = nn.Linear(8, 8, bias=False)
    one_layer.weight.data = layer3.weight.data @ layer2.weight.data @ layer1.weight.data

    stacked = nn.Sequential(layer1, layer2, layer3)
    stacked_relu = nn.Sequential(layer1, nn.ReLU(), layer2, nn.ReLU(), layer3)
    with torch.no_grad():
        linear_gap = (stacked(x) - one_layer(x)).abs().max().item()
        relu_gap = (stacked_relu(x) - one_layer(x)).abs().max().item()
    print("三个无偏置线性层 vs 一个权重为 W3·W2·W1 的线性层 / 3 stacked linear layers vs one:")
    print("  最大差异 largest difference: {:.1e}  (浮点误差 float rounding)".format(linear_gap))
    print(
        "  中间加 ReLU 后 with ReLU between them: {:.4f}  (不再等价 no longer equal)".format(
            relu_gap
        )
    )
    return linear_gap, relu_gap


def output_and_gradient(layer, x):
    """y = layer(x) and y' from autograd: backward() of y.sum() leaves dy_i/dx_i in x.grad."""
    x = x.clone().requires_grad_(True)
    y = layer(x)
    y.sum().backward()
    return y.detach(), x.grad


def derivative_values(layer, x):
    """The distinct values autograd gives for y' on the grid x, as a set: {0.1, 1}."""
    _, dy = output_and_gradient(layer, x)
    return "{" + ", ".join(f"{value:.4g}" for value in dy.unique().tolist()) + "}"


def sigmoid_tanh_relu():
    """nn.Sigmoid、nn.Tanh、nn.ReLU(修正线性单元)"""
    import torch
    import torch.nn as nn
    from matplotlib import pyplot as plt

    x = torch.arange(-1000, 1001) / 100  # x ∈ [-10, 10], step 0.01; x = 0 exactly, at index 1000
    at_zero = len(x) // 2
    layers = [
        (nn.Sigmoid(), "y = 1 / (1 + e^(-x))", "y' = y·(1 - y)", "y ∈ (0, 1); y' ∈ (0, 0.25]"),
        (
            nn.Tanh(),
            "y = (e^x - e^(-x)) / (e^x + e^(-x)) = 2 / (1 + e^(-2x)) - 1 = 2·sigmoid(2x) - 1",
            "y' = 1 - y²",
            "y ∈ (-1, 1); y' ∈ (0, 1]",
        ),
        (nn.ReLU(), "y = max(0, x)", "y' = 1 (x > 0), 0 (x < 0)", "y ∈ [0, ∞); y' ∈ {0, 1}"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (layer, formula, derivative, ranges) in zip(axes, layers):
        y, dy = output_and_gradient(layer, x)  # dy: what autograd computes, not a formula
        name = "nn." + type(layer).__name__
        print(f"--- {name} ---")
        print(f"  公式 formula:     {formula}")
        print(f"  导数 derivative:  {derivative}")
        print(f"  值域 ranges:      {ranges}")
        print(
            f"  实测 measured (float32, x ∈ [-10, 10], step 0.01): "
            f"y ∈ [{y.min():.5g}, {y.max():.5g}], y' ∈ [{dy.min():.4g}, {dy.max():.4g}], "
            f"y'(0) = {dy[at_zero]:.4g}, 最大导数 largest y' at x = {x[dy.argmax()]:.2f}"
        )
        saturated = x[(dy == 0) & (x > 0)]
        if type(layer) is not nn.ReLU and len(saturated):
            print(
                f"  float32 中 |x| ≥ {saturated.min():.2f} 时 y 舍入为 ±1，导数算出来正好是 0"
                f" / in float32 y rounds to ±1 from |x| = {saturated.min():.2f}: y' is exactly 0"
            )
        plot_curve_and_gradient(ax, x, y, dy, name)
    print(ACTIVATION_ERRATA)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.12, top=0.92, wspace=0.2)
    return {"activation_sigmoid_tanh_relu": fig}


ACTIVATION_ERRATA = """勘误 errata (文章 article → PyTorch):
  nn.Sigmoid: 导数范围 [0, 0.25] → (0, 0.25]，最大值 0.25 在 x = 0 / max 0.25 at x = 0
             (float32 中 x ≥ 16.64 时 y 舍入为 1，导数算出 0 / float32 gives y' = 0 from x = 16.64)
  nn.tanh → nn.Tanh: PyTorch 没有 nn.tanh（函数是 torch.tanh）/ the layer is nn.Tanh
  nn.Tanh: y = sin x / cos x 是 tan x / that is tan x, not tanh x
  nn.Tanh: 最后一项 2 / (1 + e^(-2x)) + 1 应为 - 1 / the last form ends in - 1, not + 1
  nn.Tanh: 导数范围 (0, 1) → (0, 1]，x = 0 处取到 1 / y'(0) = 1
  nn.ReLU: x = 0 处导数数学上不存在（文章：undefined），PyTorch 的 autograd 取 0
           / undefined at 0 in maths; autograd returns 0
  nn.ReLU: 输出值“均为正数” → 非负，x ≤ 0 时输出 0；导数只在 x > 0 时是 1
           / outputs are non-negative, not positive; the derivative is 1 only for x > 0"""


def relu_variants():
    """nn.LeakyReLU、nn.PReLU、nn.RReLU"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    x = torch.linspace(-3, 3, 601)
    relu = nn.ReLU()
    leaky_relu = nn.LeakyReLU(negative_slope=0.1)  # 默认 default 0.01: too flat to see
    prelu = nn.PReLU(init=0.25)
    rrelu = nn.RReLU(lower=1 / 8, upper=1 / 3)  # the defaults
    print("--- nn.LeakyReLU(negative_slope=0.1) ---")
    print("  公式 formula:     y = x (x ≥ 0), negative_slope·x (x < 0)")
    print("  导数 derivative:  y' = 1 (x > 0), negative_slope (x < 0)")
    print("  默认 default:     negative_slope = {}".format(nn.LeakyReLU().negative_slope))
    print("  实测 autograd:    y' ∈ {}".format(derivative_values(leaky_relu, x)))
    print("--- nn.PReLU(num_parameters=1, init=0.25) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0); a 是可学习的参数 / a is learned")
    print("  导数 derivative:  ∂y/∂x = 1 (x > 0), a (x < 0); ∂y/∂a = x (x < 0), 0 (x ≥ 0)")
    print("  默认 default:     init = {}".format(nn.PReLU().weight.item()))
    print("  实测 autograd:    y' ∈ {}".format(derivative_values(prelu, x)))
    print("--- nn.RReLU(lower=1/8, upper=1/3) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0)")
    print("  导数 derivative:  y' = 1 (x > 0), a (x < 0)")
    print(
        "  train(): 每个元素、每次前向重新抽 a ~ U(lower, upper) / a fresh a per element and pass"
    )
    print("  eval():  a = (lower + upper) / 2 固定（文章没有提到）/ fixed (not in the article)")

    # RReLU: one random slope per element in training mode, a fixed one in eval mode
    rrelu.train()
    negative_x = -torch.rand(2000) * 3
    train_slopes = rrelu(negative_x) / negative_x
    rrelu.eval()
    eval_slopes = rrelu(negative_x) / negative_x
    print(
        "  实测 measured, train(): {} slopes ∈ [{:.4f}, {:.4f}], {} 个不同 distinct".format(
            len(train_slopes), train_slopes.min(), train_slopes.max(), train_slopes.unique().numel()
        )
    )
    print(
        "  实测 measured, eval(): 斜率 slope = {:.4f} = (1/8 + 1/3) / 2 for all {}".format(
            eval_slopes[0], len(eval_slopes)
        )
    )

    prelu_learns()

    curves = {
        "ReLU()": relu(x),
        "LeakyReLU(negative_slope=0.1)": leaky_relu(x),
        "PReLU(init=0.25)": prelu(x).detach(),
    }
    figure = relu_variants_figure(x, curves, negative_x, train_slopes, eval_slopes[0].item())
    return {"activation_relu_variants": figure}


def prelu_learns():
    """PReLU 的斜率是可学习的 / PReLU's slope is a parameter the optimizer moves."""
    import torch
    import torch.nn as nn

    print("--- PReLU 的斜率是可学习的 / PReLU learns its slope ---")
    # one SGD step towards data whose negative slope is 0.5
    prelu = nn.PReLU(init=0.25)
    optimizer = torch.optim.SGD(prelu.parameters(), lr=0.2)
    x = torch.tensor([-2.0, -1.0, 1.0, 2.0])
    target = torch.where(x < 0, 0.5 * x, x)
    loss = nn.functional.mse_loss(prelu(x), target)
    loss.backward()
    slope_before = prelu.weight.item()
    optimizer.step()
    print(
        "  PReLU 一步 SGD one step: a = {:.4f} → {:.4f} (grad {:.4f}, target slope 0.5)".format(
            slope_before, prelu.weight.item(), prelu.weight.grad.item()
        )
    )

    # num_parameters = 通道数: one slope per channel
    prelu_per_channel = nn.PReLU(num_parameters=3, init=0.25)
    optimizer = torch.optim.SGD(prelu_per_channel.parameters(), lr=0.02)
    img = -torch.arange(1.0, 4.0).reshape(1, 3, 1, 1).expand(1, 3, 2, 2)  # channel c holds -(c+1)
    prelu_per_channel(img).sum().backward()
    optimizer.step()
    print(
        "  nn.PReLU(num_parameters=3): weight.shape {}, grad {}, 一步后 after one step {}".format(
            tuple(prelu_per_channel.weight.shape),
            prelu_per_channel.weight.grad.tolist(),
            [round(a, 4) for a in prelu_per_channel.weight.tolist()],
        )
    )
    return prelu, prelu_per_channel


# ================================= 文章之外 beyond the article ==================================


def unpool_vs_upsample():
    """反池化、上采样与转置卷积 / (a) unpooling, (b) upsampling, (c) transposed convolution"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.randint(high=10, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)

    # (a) 反池化: each value goes back to where its maximum was, zeros elsewhere (sparse)
    img_unpool = nn.MaxUnpool2d((2, 2), stride=(2, 2))(img_pool, indices)
    # (b) 上采样: copies (nearest) or interpolates (bilinear); needs no indices
    img_nearest = nn.Upsample(scale_factor=2, mode="nearest")(img_pool)
    img_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)(img_pool)
    # (c) 转置卷积: each value stamps a copy of the kernel, scaled by the value
    deconv_layer = nn.ConvTranspose2d(1, 1, kernel_size=2, stride=2, bias=False)
    deconv_layer.weight.data = torch.tensor([[[[1.0, 0.5], [0.25, 0.0]]]])
    img_deconv = deconv_layer(img_pool).detach()

    print("raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool))
    print("(a) nn.MaxUnpool2d:\n{}".format(img_unpool))
    print("(b) nn.Upsample(mode='nearest'):\n{}".format(img_nearest))
    print("(b) nn.Upsample(mode='bilinear'):\n{}".format(img_bilinear))
    print(
        "(c) nn.ConvTranspose2d, weight {}:\n{}".format(
            deconv_layer.weight.data.tolist(), img_deconv
        )
    )

    # 转置卷积不是卷积的逆 / a transposed convolution does not undo a convolution
    conv_layer = nn.Conv2d(1, 1, kernel_size=2, stride=2, bias=False)
    conv_layer.weight.data = deconv_layer.weight.data
    round_trip = deconv_layer(conv_layer(img_tensor)).detach()
    print(
        "conv → ConvTranspose2d (same weight) 与原图最大差异 / largest difference from raw_img:"
        " {:.4f}".format((round_trip - img_tensor).abs().max().item())
    )

    # output_size 的歧义: a 5×5 and a 4×4 input both pool to 2×2
    img_odd = torch.arange(24.0, -1.0, -1.0).reshape(1, 1, 5, 5)  # each window's max: top-left
    img_pool_odd, indices_odd = maxpool_layer(img_odd)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    guessed = maxunpool_layer(img_pool_odd, indices_odd)  # assumes 4×4, reads the indices 4 wide
    told = maxunpool_layer(img_pool_odd, indices_odd, output_size=img_odd.shape[-2:])
    print("5×5 输入 input, indices {}".format(indices_odd.flatten().tolist()))
    print(
        "不给 output_size → 4×4，位置错了 / without output_size, wrong places:\n{}".format(guessed)
    )
    print("output_size=(5, 5) → 回到最大值的位置 / back where the maxima were:\n{}".format(told))
    print("(index ≥ 16 时 PyTorch 报错 raises 'Found an invalid max index')")
    panels = {
        "raw_img": img_tensor,
        "img_pool (MaxPool2d)": img_pool,
        "(a) MaxUnpool2d": img_unpool,
        "(b) Upsample nearest": img_nearest,
        "(b) Upsample bilinear": img_bilinear,
        "(c) ConvTranspose2d": img_deconv,
    }
    return {"unpool_vs_upsample": unpool_vs_upsample_figure(panels, indices)}


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """池化输出尺寸 / Output length of nn.MaxPool2d and nn.AvgPool2d along one dimension.

    out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1, rounded up instead
    with ceil_mode=True, except that a window may not start inside the right-hand padding.
    Raises ValueError where PyTorch raises.
    """
    stride = kernel_size if stride is None else stride
    if kernel_size < 1 or stride < 1 or dilation < 1:
        raise ValueError("kernel_size, stride and dilation must be positive")
    if padding > kernel_size // 2:
        raise ValueError("pad should be at most half of kernel size")
    numerator = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        out = -(-numerator // stride) + 1  # ceil division
        if (out - 1) * stride >= size + padding:  # the last window would start in the padding
            out -= 1
    else:
        out = numerator // stride + 1  # floor division, also for negative numerators
    if out < 1:
        raise ValueError("output size is too small")
    return out


def output_size(img):
    """池化输出尺寸的计算规则 / pooling's output-size rule, checked against PyTorch"""
    import torch
    import torch.nn as nn

    height = img.height
    print("out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1")
    print("ceil_mode=True: 向上取整，但最后一个窗口不能从右侧填充区开始 / rounds up, except that")
    print("                a window starting inside the right-hand padding is dropped")
    cases = [
        (height, 2, 2, 0, 1, False, "文章 the article: 512 → 256"),
        (height, 2, 2, 1, 1, False, "padding 不能保持尺寸 / padding does not keep the size"),
        (height, 3, 1, 1, 1, False, "stride=1, padding=(k-1)/2 才保持尺寸 / keeps the size"),
        (height, 3, 2, 0, 1, False, "floor"),
        (height, 3, 2, 0, 1, True, "ceil_mode 多出一个窗口 / one more window"),
        (6, 3, 2, 1, 1, False, "floor"),
        (6, 3, 2, 1, 1, True, "ceil_mode 改变结果 / changes the answer"),
        (5, 2, 2, 1, 1, True, "向上取整会得 4，但第 4 个窗口从填充区开始，被丢弃 / dropped"),
        (7, 3, 1, 0, 2, False, "dilation=2: 窗口覆盖 5 个像素 / the window spans 5"),
        (8, 2, 2, 2, 1, False, "padding > kernel / 2: 两者都报错 / both refuse it"),
    ]
    print("   in  kernel stride padding dilation ceil_mode | formula MaxPool2d AvgPool2d | note")
    for size, kernel, stride, padding, dilation, ceil_mode, note in cases:
        x = torch.zeros(1, 1, size, size)
        formula = length_or_error(
            pool_output_size, size, kernel, stride, padding, dilation, ceil_mode
        )
        max_pool = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
        max_out = length_or_error(pooled_length, max_pool, x)
        avg_out = "-"  # AvgPool2d has no dilation
        if dilation == 1:
            avg_pool = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
            avg_out = length_or_error(pooled_length, avg_pool, x)
        print(
            f"{size:5d} {kernel:7d} {stride:6d} {padding:7d} {dilation:8d} {ceil_mode!s:>9} |"
            f" {formula:>7} {max_out:>9} {avg_out:>9} | {note}"
        )
    return {}


def length_or_error(compute, *args):
    """The output length as text, or "error" where the formula or PyTorch refuses the input."""
    try:
        return str(compute(*args))
    except (ValueError, RuntimeError):  # ours raises ValueError, PyTorch RuntimeError
        return "error"


def pooled_length(layer, x):
    return layer(x).shape[-1]


def invariance(img):
    """池化的平移与旋转不变性实测 / how much pooling absorbs shifts and rotations, measured"""
    import torch
    import torch.nn as nn
    from torchvision import transforms
    from torchvision.transforms import functional as F

    set_seed(1)  # 设置随机种子

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)  # C*H*W to B*C*H*W
    poolings = {
        "MaxPool2d": nn.MaxPool2d((2, 2), stride=(2, 2)),
        "AvgPool2d": nn.AvgPool2d((2, 2), stride=(2, 2)),
        "x[::2, ::2]": lambda t: t[..., ::2, ::2],  # 只降采样、不池化 / subsampling, no pooling
    }
    bilinear = transforms.InterpolationMode.BILINEAR
    changes = [(f"shift {s} px", lambda t, s=s: torch.roll(t, s, dims=-1)) for s in range(1, 5)]
    changes += [
        (f"rotate {a}°", lambda t, a=a: F.rotate(t, a, interpolation=bilinear))
        for a in range(1, 11)
    ]

    print("相对变化 relative change = mean|pool(T(x)) - pool(x)| / mean|T(x) - x|, 中心区域")
    print(
        "(central half, away from the border); 1 = 池化没有吸收任何变化 / pooling absorbed nothing"
    )
    print(f"{'transform T':<14}{'mean|T(x)-x|':>13}" + "".join(f"{name:>13}" for name in poolings))
    pooled = {name: pool(img_tensor) for name, pool in poolings.items()}
    table = {}
    for label, change in changes:
        moved = change(img_tensor)
        unpooled = central_half(moved - img_tensor).abs().mean()
        table[label] = {
            name: (central_half(pool(moved) - pooled[name]).abs().mean() / unpooled).item()
            for name, pool in poolings.items()
        }
        print(
            f"{label:<14}{unpooled:>13.4f}" + "".join(f"{r:>13.3f}" for r in table[label].values())
        )
    if any(ratio != ratio for row in table.values() for ratio in row.values()):  # NaN: 0 / 0
        print(
            "nan: 图片中心是平的，变换后没有变化可测 / the image centre is flat: nothing to measure"
        )
    else:
        shift_absorbed = 1 - table["shift 1 px"]["MaxPool2d"]
        rotation_absorbed = 1 - min(
            row["MaxPool2d"] for label, row in table.items() if "°" in label
        )
        verdict = "一次 2×2 最大池化吸收 1 像素平移的 {:.0%}，旋转最多 {:.0%}"
        print("结论 verdict: " + verdict.format(shift_absorbed, rotation_absorbed))
        verdict = "one 2×2 max pooling absorbs {:.0%} of a 1-px shift, {:.0%} of a rotation at most"
        print("  / " + verdict.format(shift_absorbed, rotation_absorbed))
    return {"invariance": invariance_figure(table, list(poolings))}


def central_half(t):
    """The central half of a map in each direction: rolled-in and rotated-in borders stay out,
    and on a pooled map it covers (nearly) the same pixels as on the input."""
    height, width = t.shape[-2:]
    return t[..., height // 4 : height - height // 4, width // 4 : width - width // 4]


# ================================= figures (plumbing) ==================================


def before_after_figure(img_raw, img_pool, layer_name):
    """The article's two panels: the image before (left) and after (right) pooling."""
    from matplotlib import pyplot as plt

    fig, (ax_raw, ax_pool) = plt.subplots(1, 2, figsize=(8, 4.4))
    for ax, image, title in ((ax_raw, img_raw, "before"), (ax_pool, img_pool, "after")):
        ax.imshow(image)
        ax.set_title(f"{title}: {image.width}×{image.height}")
    fig.suptitle(layer_name)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.07, top=0.86, wspace=0.25)
    return fig


def draw_value_grid(ax, values, title, cell_colors=None, bold=None):
    """Draw a 2-D tensor as a grid of cells with each value written in its cell."""
    from matplotlib.patches import Rectangle

    values = values.detach().reshape(values.shape[-2], values.shape[-1])
    rows, cols = values.shape
    # as torch prints a tensor: whole numbers without decimals, otherwise 4 decimals everywhere
    number_format = "{:.0f}" if bool((values == values.round()).all()) else "{:.4f}"
    for r in range(rows):
        for c in range(cols):
            color = cell_colors[r][c] if cell_colors is not None else "white"
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=color, edgecolor="gray"))
            weight = "bold" if bold is not None and bold[r][c] else "normal"
            text = number_format.format(values[r, c].item())
            ax.text(c, r, text, ha="center", va="center", weight=weight)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)


WINDOW_COLORS = ["#fdd49e", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]


def unpool_figure(img_tensor, img_reconstruct, img_unpool, indices):
    """Where each value went: pooling windows share a colour across the three panels."""
    from matplotlib import pyplot as plt

    window_color, is_max, pooled_color, unpool_color = window_colors(img_tensor, indices)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.8))
    draw_value_grid(axes[0], img_tensor, "raw_img (max in bold)", window_color, is_max)
    draw_value_grid(axes[1], img_reconstruct, "img_reconstruct", pooled_color)
    draw_value_grid(axes[2], img_unpool, "img_unpool: values at indices", unpool_color, is_max)
    fig.suptitle("MaxPool2d(return_indices=True) -> MaxUnpool2d: each value goes back to its max")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.84, wspace=0.06)
    return fig


def window_colors(img_tensor, indices):
    """Colour each cell by its 2×2 pooling window; mark the cells the indices point at."""
    height, width = img_tensor.shape[-2:]
    pooled_h, pooled_w = indices.shape[-2:]
    flat_indices = set(indices.reshape(-1).tolist())

    def color(window):
        return WINDOW_COLORS[window % len(WINDOW_COLORS)]

    window_color = [
        [color((r // 2) * pooled_w + c // 2) for c in range(width)] for r in range(height)
    ]
    is_max = [[r * width + c in flat_indices for c in range(width)] for r in range(height)]
    pooled_color = [[color(r * pooled_w + c) for c in range(pooled_w)] for r in range(pooled_h)]
    max_color = [
        [window_color[r][c] if is_max[r][c] else "white" for c in range(width)]
        for r in range(height)
    ]
    return window_color, is_max, pooled_color, max_color


def unpool_vs_upsample_figure(panels, indices):
    """Six grids: the input, its max pooling, and the three ways back to 4×4."""
    from matplotlib import pyplot as plt

    raw = panels["raw_img"]
    window_color, is_max, pooled_color, max_color = window_colors(raw, indices)
    colors = {"raw_img": (window_color, is_max), "img_pool (MaxPool2d)": (pooled_color, None)}
    colors["(a) MaxUnpool2d"] = (max_color, is_max)
    fig, axes = plt.subplots(2, 3, figsize=(10, 7))
    for ax, (title, values) in zip(axes.flat, panels.items()):
        cell_colors, bold = colors.get(title, (None, None))
        draw_value_grid(ax, values, title, cell_colors, bold)
    fig.suptitle(
        "(a) unpooling is sparse, (b) upsampling copies or interpolates, (c) ConvTranspose2d mixes"
    )
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9, wspace=0.06, hspace=0.12)
    return fig


def invariance_figure(table, pooling_names):
    """Relative change of the pooled map for shifts (left) and rotations (right)."""
    from matplotlib import pyplot as plt

    fig, (ax_shift, ax_rotate) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, unit, xlabel in (
        (ax_shift, "px", "shift (pixels)"),
        (ax_rotate, "°", "rotation (degrees)"),
    ):
        rows = {label: row for label, row in table.items() if label.endswith(unit)}
        amounts = [int(label.split()[1].rstrip("px°")) for label in rows]
        for name in pooling_names:
            ax.plot(amounts, [row[name] for row in rows.values()], "o-", label=name)
        ax.set_xticks(amounts)
        ax.axhline(1, color="gray", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    ax_shift.set_ylabel("relative change of the pooled map")
    ax_shift.legend()
    fig.suptitle("How much does 2×2 pooling absorb? (1 = nothing, lower = more invariant)")
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.13, top=0.9, wspace=0.08)
    return fig


def plot_curve_and_gradient(ax, x, y, dy, name):
    """One panel: an activation and its autograd derivative on the same axes."""
    ax.plot(x, y, label="y")
    ax.plot(x, dy, "--", label="y' (autograd)")
    at_zero = len(x) // 2  # x = 0 exactly: the grid is symmetric
    ax.plot(0, dy[at_zero], "o", color="C1", label=f"y'(0) = {dy[at_zero]:.4g}")
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.set_title(name)
    ax.set_xlabel("x")
    ax.legend()
    ax.grid(alpha=0.3)


def relu_variants_figure(x, curves, negative_x, train_slopes, eval_slope):
    """Left: ReLU, LeakyReLU and PReLU. Right: RReLU's sampled slopes between lower and upper."""
    from matplotlib import pyplot as plt

    fig, (ax_curves, ax_rrelu) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, y in curves.items():
        ax_curves.plot(x, y, label=label)
    ax_curves.set_title("ReLU and its variants")
    ax_curves.legend()
    ax_curves.grid(alpha=0.3)
    ax_rrelu.scatter(
        negative_x, negative_x * train_slopes, s=3, alpha=0.4, label="train(): sampled"
    )
    for slope, style, label in (
        (1 / 8, "--", "slope lower = 1/8"),
        (1 / 3, "--", "slope upper = 1/3"),
        (eval_slope, "-", "eval(): slope (lower + upper) / 2"),
    ):
        ax_rrelu.plot([-3, 0, 3], [-3 * slope, 0, 3], style, label=label)
    ax_rrelu.set_title("RReLU(lower=1/8, upper=1/3)")
    ax_rrelu.legend()
    ax_rrelu.grid(alpha=0.3)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.07, top=0.93, wspace=0.15)
    return fig


# ================================= command line (plumbing) ==================================


class Section(NamedTuple):
    flag: str
    heading: str
    run: Callable
    uses_image: bool = False


SECTIONS = [
    Section("maxpool", "最大池化：nn.MaxPool2d()", maxpool, uses_image=True),
    Section("avgpool", "nn.AvgPool2d()", avgpool, uses_image=True),
    Section("divisor-override", "加上 divisor_override=3 后 nn.AvgPool2d()", divisor_override),
    Section("maxunpool", "nn.MaxUnpool2d()", maxunpool),
    Section("linear", "线性层 nn.Linear(3, 4)", linear),
    Section("activations", "激活函数层 Sigmoid, Tanh, ReLU, LeakyReLU, PReLU, RReLU", activations),
    Section(
        "unpool-vs-upsample", "反池化 vs 上采样 vs 转置卷积 (文章之外 beyond)", unpool_vs_upsample
    ),
    Section("output-size", "池化输出尺寸的规则 (文章之外 beyond)", output_size, uses_image=True),
    Section(
        "invariance", "池化的平移、旋转不变性实测 (文章之外 beyond)", invariance, uses_image=True
    ),
]
MIN_IMAGE_SIZE = 2  # the 2×2 pooling kernel must fit at least once


def build_parser():
    parser = OneLineArgumentParser(
        description="3.3 池化层、线性层和激活函数层 — run the article's experiments. "
        "No section flag: every section, in article order.",
    )
    sections = parser.add_argument_group("sections 章节 (any number; none = all)")
    for section in SECTIONS:
        sections.add_argument("--" + section.flag, action="store_true", help=section.heading)
    parser.add_argument("--list", action="store_true", help="列出所有章节 / list the sections")
    parser.add_argument(
        "--image",
        default=SAMPLE_IMAGE,
        metavar="PATH",
        help="要池化的图片 / picture to pool (default: imgs/astronaut.png, 512×512 RGB)",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="保存图片的文件夹 / folder for the PNG figures (default: outputs/ in the repository)",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="弹出图片窗口 / open figure windows (default: only when a display exists)",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.list:
        for section in SECTIONS:
            print(f"--{section.flag:<20} {section.heading}")
        return 0

    chosen = [s for s in SECTIONS if getattr(args, s.flag.replace("-", "_"))] or SECTIONS
    out_dir = prepare_output_dir(args.out)
    img = None
    if any(section.uses_image for section in chosen):
        img = load_image(args.image, MIN_IMAGE_SIZE, needed_by="2×2 pooling")
    use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        figures = section.run(img) if section.uses_image else section.run()
        for name, fig in figures.items():
            print("已保存图片 saved:", save_figure(fig, out_dir, name))
    show_figures(args.show)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
