"""线性层和激活函数层的论断，逐条实测 / The claims about the linear and activation layers, measured.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/claims_linear_activations.py --list
    python lesson3/claims_linear_activations.py --dead-relu --vanishing-gradients

No flag runs every claim. The article's own code is in nn_layers_others.py.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, plots.py beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

import plots
from common_tools import set_seed
from verdicts import DOES_NOT_HOLD, HOLDS, HOLDS_IF, claim, verdict

# ================================= 线性层 linear ==================================


def affine():
    """线性层：“线性组合或线性变换”"""
    import torch
    import torch.nn as nn

    claim(
        "线性层",
        "线性层又称为全连接层，其每个神经元与上一个层所有神经元相连，实现对前一层的线性组合或线性变换。",
    )
    x, y = torch.tensor([[1.0, 2, 3]]), torch.tensor([[-2.0, 0.5, 4]])
    results = {}
    for bias in (True, False):
        layer = nn.Linear(3, 4, bias=bias)
        layer.weight.data = torch.tensor([[1.0] * 3, [2.0] * 3, [3.0] * 3, [4.0] * 3])
        if bias:
            layer.bias.data.fill_(0.5)
        with torch.no_grad():
            zero = layer(torch.zeros(1, 3))
            additive = torch.equal(layer(x + y), layer(x) + layer(y))
            homogeneous = torch.equal(layer(2 * x), 2 * layer(x))
        results[bias] = additive and homogeneous and not zero.any()
        print(
            f"  nn.Linear(3, 4, bias={bias}): f(0) = {zero.tolist()}, f(x + y) == f(x) + f(y): "
            f"{additive}, f(2x) == 2·f(x): {homogeneous}"
        )
    verdict(
        HOLDS_IF if results[False] and not results[True] else DOES_NOT_HOLD,
        "y = x·Wᵀ + b：只有 bias=False 时才是线性变换；默认带偏置，是仿射变换"
        "（线性变换再平移 b）。",
        "y = x·Wᵀ + b is linear only with bias=False; with the default bias it is affine "
        "(a linear map plus a shift by b).",
    )


def fully_connected():
    """线性层：“每个神经元与上一个层所有神经元相连”"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim("线性层", "其每个神经元与上一个层所有神经元相连")
    layer = nn.Linear(3, 4)
    jacobian = torch.autograd.functional.jacobian(layer, torch.randn(3))
    print(f"  nn.Linear(3, 4) 的雅可比矩阵 Jacobian ∂y/∂x (4×3) = weight:\n{jacobian}")
    print(
        f"  非零 non-zero: {int((jacobian != 0).sum())} / 12, 等于 equals weight: "
        f"{torch.equal(jacobian, layer.weight.detach())}"
    )
    conv = nn.Conv2d(1, 1, 3, padding=1)
    conv_jacobian = torch.autograd.functional.jacobian(conv, torch.randn(1, 1, 5, 5))
    print(
        f"  对比 Conv2d(1, 1, 3) 在 5×5 上：每个输出只连 ≤ 9 个输入，非零 non-zero "
        f"{int((conv_jacobian != 0).sum())} / {conv_jacobian.numel()}"
    )
    verdict(
        HOLDS if bool((jacobian != 0).all()) else DOES_NOT_HOLD,
        "每个输出对每个输入的导数就是对应的权重，只要权重不为 0 就全相连。",
        "each output's derivative with respect to each input is a weight: every output is "
        "connected to every input (unless that weight is 0).",
    )


# ================================= 激活函数层 activations ==================================

ACTIVATIONS = "激活函数层"


def linear_collapse():
    """多个线性层的组合等价于一个线性层 / stacked linear layers are one linear layer"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(
        "激活函数层", "如果没有非线性变换，由于矩阵乘法的结合性，多个线性层的组合等价于一个线性层。"
    )

    x = torch.randn(64, 8)
    layer1, layer2, layer3 = (nn.Linear(8, 8, bias=False) for _ in range(3))

    # Output = X·W1·W2·W3 = X·W. nn.Linear stores the transpose (it computes x·Wᵀ), so the one
    # layer's stored weight is W3ᵀ·... read backwards: layer3.weight @ layer2.weight @ layer1.weight
    one_layer = nn.Linear(8, 8, bias=False)
    one_layer.weight.data = layer3.weight.data @ layer2.weight.data @ layer1.weight.data

    stacked = nn.Sequential(layer1, layer2, layer3)
    stacked_relu = nn.Sequential(layer1, nn.ReLU(), layer2, nn.ReLU(), layer3)
    with torch.no_grad():
        linear_gap = (stacked(x) - one_layer(x)).abs().max().item()
        relu_gap = (stacked_relu(x) - one_layer(x)).abs().max().item()
    print(
        "三个无偏置线性层 vs 一个线性层 / 3 stacked linear layers vs one whose weight is\n"
        "  layer3.weight @ layer2.weight @ layer1.weight (nn.Linear 存的是 W 的转置 stores Wᵀ,\n"
        "  所以文章的 W1·W2·W3 在这里倒过来写 / so the article's W1·W2·W3 reads backwards here)"
    )
    print("  最大差异 largest difference: {:.1e}  (浮点误差 float rounding)".format(linear_gap))
    print(
        "  中间加 ReLU 后 with ReLU between them: {:.4f}  (不再等价 no longer equal)".format(
            relu_gap
        )
    )
    verdict(
        HOLDS,
        "三层的输出与一层相同（只差浮点误差），加入 ReLU 后不再相同。",
        "three layers give one layer's output up to rounding; with ReLU between them they don't.",
    )


INITS = ("default", "xavier", "kaiming")


def gradient_norms(activation, init, scale=1.0, depth=10, width=128):
    """The gradient norm of each layer's weight in a stack of ``depth`` Linear + activation
    layers, after one backward pass of output.sum() on a seeded batch; first layer first."""
    import torch
    import torch.nn as nn

    torch.manual_seed(1)
    linears = [nn.Linear(width, width) for _ in range(depth)]
    for linear in linears:
        if init == "xavier":
            nn.init.xavier_normal_(linear.weight)
        elif init == "kaiming":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        if init != "default":
            nn.init.zeros_(linear.bias)
        linear.weight.data.mul_(scale)
    net = nn.Sequential(*(m for linear in linears for m in (linear, activation())))
    net(torch.randn(64, width)).sum().backward()
    return [linear.weight.grad.norm().item() for linear in linears]


def vanishing_gradients():
    """Sigmoid/Tanh “容易导致梯度消失”，ReLU “缓解梯度消失”"""
    import torch.nn as nn

    claim("nn.Sigmoid", "导数范围是 [0, 0.25]，容易导致梯度消失")
    claim("nn.tanh", "导数范围是 (0,1)，容易导致梯度消失")
    claim("nn.ReLU", "导数是 1，缓解梯度消失")
    print(
        "10 层 Linear(128, 128) + 激活，第 1 层与第 10 层权重梯度范数之比"
        " / gradient norm at layer 1 over layer 10:"
    )
    print(f"  {'':<10}" + "".join(f"{init:>12}" for init in INITS))
    norms, ratios = {}, {}
    for activation in (nn.Sigmoid, nn.Tanh, nn.ReLU):
        name = activation.__name__
        for init in INITS:
            norms[name, init] = gradient_norms(activation, init)
            ratios[name, init] = norms[name, init][0] / norms[name, init][-1]
        print(f"  {name:<10}" + "".join(f"{ratios[name, init]:>12.2e}" for init in INITS))
    print(
        "  default = PyTorch 默认初始化; xavier = xavier_normal_; kaiming = kaiming_normal_(relu)"
    )
    verdict(
        HOLDS if all(ratios["Sigmoid", init] < 1e-4 for init in INITS) else HOLDS_IF,
        "三种初始化下 Sigmoid 传到第 1 层的梯度都不到第 10 层的万分之一。",
        "under all three initialisations the gradient reaching layer 1 is below 1e-4 of "
        "layer 10's.",
    )
    tanh_default_only = ratios["Tanh", "default"] < 0.1 <= ratios["Tanh", "xavier"]
    verdict(
        HOLDS_IF if tanh_default_only else HOLDS,
        "Tanh 只在 PyTorch 默认初始化下梯度消失；Xavier 初始化下不消失。",
        "Tanh's gradient vanishes under PyTorch's default initialisation, not under Xavier's.",
    )
    relu_kaiming_only = ratios["ReLU", "default"] < 0.1 <= ratios["ReLU", "kaiming"]
    verdict(
        HOLDS_IF if relu_kaiming_only else HOLDS,
        "ReLU 只有配合 Kaiming 初始化才缓解梯度消失；PyTorch 默认初始化下 10 层后梯度也消失了。",
        "ReLU relieves vanishing gradients only with Kaiming initialisation; under PyTorch's "
        "default initialisation its gradient vanishes over ten layers too.",
    )
    plots.gradient_norms(norms, INITS)


def exploding_gradients():
    """ReLU “导数是 1 … 但容易引发梯度爆炸”"""
    import torch.nn as nn

    claim("nn.ReLU", "导数是 1，缓解梯度消失，但容易引发梯度爆炸")
    print(
        "Kaiming 初始化后把权重放大 s 倍，第 1 层梯度范数（相对 s = 1）"
        " / layer 1's gradient norm with the weights scaled by s, relative to s = 1:"
    )
    growth, baselines = {}, {}
    for activation in (nn.ReLU, nn.Tanh):
        base = baselines[activation.__name__] = gradient_norms(activation, "kaiming")
        row = {s: gradient_norms(activation, "kaiming", scale=s)[0] / base[0] for s in (1, 1.5, 2)}
        growth[activation.__name__] = row
        print(
            f"  {activation.__name__:<6} "
            + ", ".join(f"s = {s}: {g:.3g}×" for s, g in row.items())
            + f";  s = 1 时第 1 层 / 第 10 层 layer 1 / layer 10: {base[0] / base[-1]:.2f}"
        )
    relu_kaiming = baselines["ReLU"]
    stable = 0.1 < relu_kaiming[0] / relu_kaiming[-1] < 10
    passes_growth_on = growth["ReLU"][2] > growth["Tanh"][2]
    verdict(
        HOLDS_IF if stable and passes_growth_on else (DOES_NOT_HOLD if stable else HOLDS),
        "Kaiming 初始化下 ReLU 的梯度层层保持同一量级，不爆炸；只有权重偏大时才爆炸："
        f"ReLU 把放大原样传下去（s = 2 时 {growth['ReLU'][2]:.0f} 倍），"
        f"Tanh 的饱和会压住一些（{growth['Tanh'][2]:.1f} 倍）。",
        "with Kaiming initialisation ReLU keeps the gradient's size layer after layer; it explodes "
        "only when the weights are too large: ReLU passes the growth on in full "
        f"({growth['ReLU'][2]:.0f}× at s = 2), Tanh's saturation damps it "
        f"({growth['Tanh'][2]:.1f}×).",
    )


def zero_mean():
    """Sigmoid “输出为非 0 均值，破坏数据分布”，Tanh “数据符合 0 均值”"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim("nn.Sigmoid", "输出为非 0 均值，破坏数据分布")
    claim("nn.tanh", "输出值在(-1, 1)，数据符合 0 均值")
    x = torch.randn(256, 64)
    delta = torch.randn(256, 32)  # the gradient a next Linear(64, 32) receives, one row per sample
    same_sign = {}
    for activation in (nn.Sigmoid(), nn.Tanh(), nn.ReLU()):
        name = type(activation).__name__
        a = activation(x)
        shifted = activation(x + 1).mean().item()
        # one sample's gradient for the next layer's weight row i is delta_i · a: every entry
        # has delta_i's sign when all of a is positive
        per_sample = delta[:, :, None] * a[:, None, :]  # sample × neuron × input
        signs = torch.sign(per_sample)
        nonzero = signs != 0
        rows_one_sign = ((signs >= 0) | ~nonzero).all(2) | ((signs <= 0) | ~nonzero).all(2)
        same_sign[name] = rows_one_sign.float().mean().item()
        print(
            f"  {name:<8} 输入 N(0, 1) 时均值 mean {a.mean():+.3f}；"
            f"输入 N(1, 1) 时 {shifted:+.3f}；"
            f"下一层每个神经元的单样本权重梯度同号的比例 / rows of a sample's weight gradient "
            f"with one sign: {same_sign[name]:.0%}"
        )
    print(
        "  全部同号时，一步梯度下降只能让一个神经元的权重一起变大或一起变小，只好走“之”字形"
        "\n  / all of one sign: one step moves a neuron's weights all up or all down (zig-zag)"
    )
    verdict(
        HOLDS if same_sign["Sigmoid"] == 1 and same_sign["Tanh"] < 0.01 else HOLDS_IF,
        "Sigmoid 输出均值约 0.5，下一层每个神经元的单样本梯度全部同号；ReLU 也一样（文章没说）。",
        "Sigmoid's outputs average about 0.5, so a sample's gradient for each next-layer neuron "
        "has one sign throughout; so does ReLU's, which the article does not say.",
    )
    verdict(
        HOLDS_IF,
        "Tanh 的输出只有在输入以 0 为中心时才是 0 均值（输入 N(1, 1) 时均值约 0.6）。",
        "Tanh's outputs average 0 only when its inputs are centred on 0 (about 0.6 for N(1, 1)).",
    )


def dead_unit_shares(activation, steps=200, kill=True, seed=0):
    """Train 16 → 64 → 1 with Adam (lr 0.05) on a seeded regression; half the hidden units start
    dead (bias -3) when ``kill``. Returns the share of units negative for every input, per step,
    and the gradient norm that the dead half's weights got in the first step."""
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    x = torch.randn(256, 16)
    y = x[:, :4].sum(1, keepdim=True).sin() * 3
    hidden, output = nn.Linear(16, 64), nn.Linear(64, 1)
    if kill:
        hidden.bias.data[:32] = -3.0  # as after one large step that pushed the biases down
    net = nn.Sequential(hidden, activation(), output)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    shares, first_grad = [], None
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        if first_grad is None:
            first_grad = hidden.weight.grad[:32].norm().item()
        optimizer.step()
        with torch.no_grad():
            shares.append((hidden(x) <= 0).all(dim=0).float().mean().item())
    return shares, first_grad


def dead_relu():
    """ReLU “负半轴的导数为 0，容易导致死神经元”；LeakyReLU、PReLU、RReLU 是改进"""
    import torch.nn as nn

    claim("nn.ReLU", "输出值均为正数，负半轴的导数为 0，容易导致死神经元")
    claim(
        "nn.LeakyReLU / nn.PReLU / nn.RReLU",
        "针对 RuLU 会导致死神经元的缺点，出现了下面 3 种改进的激活函数。",
    )
    natural, _ = dead_unit_shares(nn.ReLU, kill=False)
    print(
        f"  正常训练 normal training (Adam, lr 0.05, 200 步 steps): ReLU 死单元 dead units "
        f"{natural[0]:.0%} → {natural[-1]:.0%}"
    )
    print("  一半隐藏单元一开始就死了（bias = -3，对所有输入都 ≤ 0）/ half the units start dead:")
    curves, first_grads = {}, {}
    for name, activation in [
        ("ReLU", nn.ReLU),
        ("LeakyReLU(0.1)", lambda: nn.LeakyReLU(0.1)),
        ("PReLU", nn.PReLU),
        ("RReLU", nn.RReLU),
    ]:
        curves[name], first_grads[name] = dead_unit_shares(activation)
        print(
            f"  {name:<15} 死单元 dead {curves[name][0]:.0%} → {curves[name][-1]:.0%}, "
            f"死单元权重第一步的梯度 their first gradient: {first_grads[name]:.3g}"
        )
    verdict(
        HOLDS_IF if natural[-1] < 0.05 and first_grads["ReLU"] == 0 else HOLDS,
        "死了的 ReLU 单元梯度正好是 0，永远回不来；但正常训练时几乎没有单元死掉，"
        "要一大步把偏置推到负数才会。",
        "a dead ReLU unit gets exactly zero gradient and never recovers; but in normal training "
        "almost none die: it takes a large step that pushes the biases negative.",
    )
    recovered = all(curves[name][-1] < 0.5 for name in curves if name != "ReLU")
    verdict(
        HOLDS if recovered and curves["ReLU"][-1] == 0.5 else HOLDS_IF,
        "LeakyReLU、PReLU、RReLU 的负半轴有斜率，死单元仍有梯度，训练中会活过来。",
        "LeakyReLU, PReLU and RReLU keep a slope on the negative side, so dead units still get "
        "a gradient and come back during training.",
    )
    plots.dead_units(curves)


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section("affine", "线性层：“线性组合或线性变换”", affine),
    Section("fully-connected", "线性层：“每个神经元与上一个层所有神经元相连”", fully_connected),
    Section("linear-collapse", "激活函数层：多个线性层的组合等价于一个线性层", linear_collapse),
    Section(
        "vanishing-gradients",
        "Sigmoid、Tanh “容易导致梯度消失”，ReLU “缓解梯度消失”",
        vanishing_gradients,
        figures=("claim_vanishing_gradients",),
    ),
    Section("exploding-gradients", "ReLU “容易引发梯度爆炸”", exploding_gradients),
    Section("zero-mean", "Sigmoid “输出为非 0 均值”，Tanh “数据符合 0 均值”", zero_mean),
    Section(
        "dead-relu",
        "ReLU “容易导致死神经元”，LeakyReLU、PReLU、RReLU 的改进",
        dead_relu,
        figures=("claim_dead_relu",),
    ),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS)


if __name__ == "__main__":
    sys.exit(run_command(main))
