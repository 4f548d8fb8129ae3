"""练习答案 / The answers to lesson3/exercises.md, computed: one flag per exercise.

Predict first (exercises.md), then run ``python lesson3/exercise_answers.py --<exercise>``.
A test checks that every line printed here is written in exercises.md, so the two never differ.
"""

import os
import sys

# lesson_cli/ sits in the repository's top folder: find it from any folder (also through a
# symlink, and under python -I)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

# ================================= 池化层 pooling ==================================


def avgpool_padding():
    """练习 1：AvgPool2d(3, stride=2, padding=1) 的分母"""
    import torch
    import torch.nn as nn

    x = torch.arange(1.0, 17.0).view(1, 1, 4, 4)  # 1 ... 16, row by row
    for count_include_pad in (False, True):
        pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=count_include_pad)
        values = [[round(v, 4) for v in row] for row in pool(x)[0, 0].tolist()]
        print(f"count_include_pad={count_include_pad}: {values}")


def unpool_sizes():
    """练习 2：MaxPool2d(3, 2, padding=1) 之后的 MaxUnpool2d"""
    import torch
    import torch.nn as nn

    x = torch.arange(64.0).view(1, 1, 8, 8)  # 0 ... 63: the last window's maximum is 63
    pooled, indices = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)(x)
    unpool = nn.MaxUnpool2d(3, stride=2, padding=1)
    guess = (pooled.shape[-1] - 1) * 2 - 2 * 1 + 3
    print(f"池化后 pooled: {pooled.shape[-2]}×{pooled.shape[-1]}")
    print(f"反池化默认的尺寸 unpool's default size: {guess}×{guess}")
    try:
        unpool(pooled, indices)
        print("不给 output_size without output_size: ok")
    except RuntimeError:
        print("不给 output_size without output_size: RuntimeError")
    restored = unpool(pooled, indices, output_size=x.shape[-2:])
    print(f"output_size=(8, 8): {restored.shape[-2]}×{restored.shape[-1]}")


def ceil_mode():
    """练习 3：ceil_mode 与输出尺寸"""
    import torch
    import torch.nn as nn

    for size in (224, 7):
        x = torch.zeros(1, 1, size, size)
        floor = nn.MaxPool2d(3, stride=2)(x).shape[-1]
        ceil = nn.MaxPool2d(3, stride=2, ceil_mode=True)(x).shape[-1]
        print(f"{size}: ceil_mode=False → {floor}, ceil_mode=True → {ceil}")


# ================================= 线性层 linear ==================================


def article_linear(bias):
    """The article's nn.Linear(3, 4): weight rows of 1, 2, 3, 4."""
    import torch
    import torch.nn as nn

    layer = nn.Linear(3, 4)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0], [2.0], [3.0], [4.0]]).expand(4, 3))
        layer.bias.fill_(bias)
    return layer


def linear_bias():
    """练习 4：把偏置改成 0"""
    import torch

    x = torch.tensor([[1.0, 2.0, 3.0]])
    for bias in (0.5, 0.0):
        print(f"bias={bias}: {article_linear(bias)(x).tolist()[0]}")


def linear_params():
    """练习 5：VGG16 第一个全连接层的参数个数"""
    import torch.nn as nn

    layer = nn.Linear(512 * 7 * 7, 4096)
    print(f"weight {tuple(layer.weight.shape)}: {layer.weight.numel():,}")
    print(f"bias {tuple(layer.bias.shape)}: {layer.bias.numel():,}")
    print(f"合计 total: {sum(p.numel() for p in layer.parameters()):,}")


def two_linears():
    """练习 6：两个线性层叠在一起"""
    import torch
    import torch.nn as nn

    first = article_linear(0.5)
    second = nn.Linear(4, 2)
    with torch.no_grad():
        second.weight.fill_(1.0)
        second.bias.zero_()
    weight = second.weight @ first.weight  # y = W2 (W1 x + b1) + b2
    bias = second.weight @ first.bias + second.bias
    x = torch.tensor([[1.0, 2.0, 3.0]])
    print(f"W = {weight.tolist()}, b = {bias.tolist()}")
    print(
        f"两层 / two layers: {second(first(x)).tolist()[0]}; 一层 / one layer: "
        f"{(x @ weight.T + bias).tolist()[0]}"
    )


# ================================= 激活函数层 activations ==================================


def sigmoid_depth():
    """练习 7：几层 Sigmoid 之后梯度小于 1e-6"""
    import torch
    import torch.nn as nn

    gradients = []
    while not gradients or gradients[-1] >= 1e-6:
        x = torch.zeros(1, requires_grad=True)  # x = 0, where sigmoid's slope is largest
        nn.Sequential(*[nn.Sigmoid() for _ in range(len(gradients) + 1)])(x).backward()
        gradients.append(x.grad.item())
    depth = len(gradients)
    print(f"1 层 layer: {gradients[0]:.4g}")
    print(f"{depth - 1} 层 layers: {gradients[-2]:.4g}")
    print(f"{depth} 层 layers: {gradients[-1]:.4g} < 1e-6")
    print(f"0.25 ** {depth} = {0.25**depth:.4g}")
    # x = 0 is not the best start: a little below 0 the first layer's output is nearer the
    # point that keeps the later layers steep
    x = torch.linspace(-1, 1, 20001, dtype=torch.float64, requires_grad=True)
    nn.Sequential(*[nn.Sigmoid() for _ in range(depth)])(x).sum().backward()
    best = x.grad.argmax()
    at, largest = f"{x[best].item():.4f}", f"{x.grad[best].item():.4g}"
    print(f"{depth} 层的导数在 x = {at} 处最大：{largest} / largest at x = {at}: {largest}")


def negative_slopes():
    """练习 8：x = -2 时三种 ReLU 变体的输出"""
    import torch
    import torch.nn as nn

    x = torch.tensor([-2.0])
    for layer in (nn.LeakyReLU(), nn.PReLU(), nn.RReLU().eval()):
        print(f"{type(layer).__name__}: {layer(x).item():.4f}")


def derivative_at_zero():
    """练习 9：x = 0 处 autograd 给出的导数"""
    import torch
    import torch.nn as nn

    for layer in (nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU()):
        x = torch.zeros(1, requires_grad=True)
        layer(x).backward()
        print(f"{type(layer).__name__}: {x.grad.item():g}")
    # kinks where the function bends down (concave): not the left slope there
    for layer, kink in ((nn.Hardtanh(), 1.0), (nn.ReLU6(), 6.0)):
        x = torch.full((1,), kink, requires_grad=True)
        layer(x).backward()
        print(f"{type(layer).__name__} at x = {kink:g}: {x.grad.item():g}")
    # the rule is the layers', not autograd's everywhere: a tie in torch.maximum splits
    x = torch.zeros(1, requires_grad=True)
    torch.maximum(x, torch.zeros(1)).backward()
    print(f"torch.maximum(x, 0) at x = 0: {x.grad.item():g}")


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section("avgpool-padding", "练习 1 / exercise 1: AvgPool2d 的分母", avgpool_padding),
    Section("unpool-sizes", "练习 2 / exercise 2: MaxUnpool2d 的尺寸", unpool_sizes),
    Section("ceil-mode", "练习 3 / exercise 3: ceil_mode", ceil_mode),
    Section("linear-bias", "练习 4 / exercise 4: 偏置 bias", linear_bias),
    Section("linear-params", "练习 5 / exercise 5: 参数个数 parameters", linear_params),
    Section("two-linears", "练习 6 / exercise 6: 两个线性层 two linear layers", two_linears),
    Section("sigmoid-depth", "练习 7 / exercise 7: 梯度消失 vanishing gradients", sigmoid_depth),
    Section("negative-slopes", "练习 8 / exercise 8: 负半轴 the negative side", negative_slopes),
    Section("derivative-at-zero", "练习 9 / exercise 9: x = 0 处的导数", derivative_at_zero),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS)


if __name__ == "__main__":
    sys.exit(run_command(main))
