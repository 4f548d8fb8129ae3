"""线性层和激活函数层的论断，逐条实测 / The claims about the linear and activation layers, measured.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/claims_linear_activations.py --list
    python lesson3/claims_linear_activations.py --dead-relu --vanishing-gradients

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

from common_tools import set_seed
from lab import plots
from lab.depth import signal_through
from lab.verdicts import (
    DOES_NOT_HOLD,
    HOLDS,
    HOLDS_IF,
    SEEDS,
    Optimizer,
    all_some_none,
    claim,
    seeds_range,
    share_range,
    spread,
    verdict,
)

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
        linear_map_verdict(with_bias=results[True], without_bias=results[False]),
        "y = x·Wᵀ + b：只有 bias=False 时才是线性变换；默认带偏置，是仿射变换"
        "（线性变换再平移 b）。",
        "y = x·Wᵀ + b is linear only with bias=False; with the default bias it is affine "
        "(a linear map plus a shift by b).",
    )


def linear_map_verdict(*, with_bias, without_bias):
    """ "A linear map", from whether nn.Linear is linear (f(0) = 0, additive, homogeneous)
    with and without its bias: 成立 when it is with the default bias, 有条件成立 when only with
    bias=False, 不成立 when neither."""
    if with_bias:
        return HOLDS
    return HOLDS_IF if without_bias else DOES_NOT_HOLD


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
        f"  非零 / non-zero: {int((jacobian != 0).sum())} of 12; 等于 weight / equals weight: "
        f"{torch.equal(jacobian, layer.weight.detach())}"
    )
    conv = nn.Conv2d(1, 1, 3, padding=1)
    conv_jacobian = torch.autograd.functional.jacobian(conv, torch.randn(1, 1, 5, 5))
    print(
        f"  对比 Conv2d(1, 1, 3) 在 5×5 上：每个输出只连 ≤ 9 个输入，{conv_jacobian.numel()} 个中"
        f"非零的 {int((conv_jacobian != 0).sum())} 个 / against Conv2d(1, 1, 3) on 5×5: each output"
        f" connects to ≤ 9 inputs, {int((conv_jacobian != 0).sum())} of {conv_jacobian.numel()}"
        " non-zero"
    )
    verdict(
        connected_verdict((jacobian != 0).float().mean().item()),
        "每个输出对每个输入的导数就是对应的权重，只要权重不为 0 就全相连。",
        "each output's derivative with respect to each input is a weight: every output is "
        "connected to every input (unless that weight is 0).",
    )


def connected_verdict(share_connected):
    """ "Every neuron is connected to every neuron of the layer before", from the share of
    non-zero entries of ∂y/∂x: 成立 when all are, 有条件成立 when some are, 不成立 when none."""
    if share_connected == 1:
        return HOLDS
    return HOLDS_IF if share_connected > 0 else DOES_NOT_HOLD


# ================================= 激活函数层 activations ==================================

ACTIVATIONS = "激活函数层"
ROUNDING = 1e-5  # what float32 rounding can explain in these small products


def linear_collapse():
    """多个线性层的组合等价于一个线性层 / stacked linear layers are one linear layer"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(
        ACTIVATIONS, "如果没有非线性变换，由于矩阵乘法的结合性，多个线性层的组合等价于一个线性层。"
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
    # the bound, not the difference itself: how float32 rounds depends on the machine's BLAS
    eps = torch.finfo(torch.float32).eps
    print(
        f"  最大差异 < {ROUNDING:g}（浮点误差，float32 eps {eps:.1e}）/ largest difference < "
        f"{ROUNDING:g} (rounding; float32 eps {eps:.1e})"
    )
    print(
        f"  中间加 ReLU 后差 {relu_gap:.4f}，不再等价 / with ReLU between them: {relu_gap:.4f}, "
        "no longer equal"
    )

    # float32 rounding of three 8×8 products stays far below ROUNDING; a real difference is above
    verdict(
        collapse_verdict(linear_gap, relu_gap),
        f"三层的输出与一层相同（最大差异低于 {ROUNDING:g}，只是浮点误差），"
        f"加入 ReLU 后差 {relu_gap:.4f}，不再相同。",
        f"three layers give one layer's output up to rounding (they differ by less than "
        f"{ROUNDING:g}); with ReLU between them they differ by {relu_gap:.4f}.",
    )


def collapse_verdict(linear_gap, relu_gap):
    """ "Stacked linear layers are one linear layer", from the largest difference from the one
    layer without and with ReLU between them: 成立 when it is rounding (under ROUNDING) and ReLU
    breaks it, 有条件成立 when even ReLU's stack stays that close (the check tells nothing
    apart), 不成立 when the linear stack differs too."""
    if linear_gap >= ROUNDING:
        return DOES_NOT_HOLD
    return HOLDS if relu_gap > ROUNDING else HOLDS_IF


INITS = ("default", "xavier", "kaiming")
VANISHED = 1e-2  # the backward signal at layer 1 below 1% of layer 10's: it has vanished


def backward_pass(activation, init, seed, scale=1.0, depth=10, width=128, loss="readout"):
    """One backward pass, in float64, through ``depth`` Linear(width, width) + activation layers
    on a seeded batch. The loss is a random readout, L = Σ r·h with r ~ N(0, 1), whose gradient
    has both signs as a network's loss has; or, with loss="sum", L = Σ h (an all-positive
    gradient at the top). Returns, first layer first, the norm of the backward signal ∂L/∂z
    (z: a layer's output before its activation) and of each weight's gradient."""
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    linears = [nn.Linear(width, width) for _ in range(depth)]
    for linear in linears:
        if init == "xavier":
            nn.init.xavier_normal_(linear.weight)
        elif init == "kaiming":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        if init != "default":
            nn.init.zeros_(linear.bias)
        linear.weight.data.mul_(scale)
        # float64: in float32 a ratio that theory fixes (1.5⁹ = 38.44 for ReLU) moved in its
        # fourth digit with the CPU's arithmetic (38.4 or 38.5 printed), over 20 seeds
        linear.double()
    inputs, readout = torch.randn(64, width).double(), torch.randn(64, width).double()
    losses = {"readout": lambda h: (h * readout).sum(), "sum": lambda h: h.sum()}
    zs = signal_through(inputs, linears, activation(), losses[loss])
    signal = [z.grad.norm().item() for z in zs]
    return signal, [linear.weight.grad.norm().item() for linear in linears]


def vanishing_gradients():
    """Sigmoid/Tanh “容易导致梯度消失”，ReLU “缓解梯度消失”"""
    claim("nn.Sigmoid", "导数范围是 [0, 0.25]，容易导致梯度消失")
    claim("nn.tanh", "导数范围是 (0,1)，容易导致梯度消失")
    claim("nn.ReLU", "导数是 1，缓解梯度消失")
    print(
        "10 层 Linear(128, 128) + 激活，反向信号 ‖∂L/∂z‖ 第 1 层 / 第 10 层，"
        f"{len(SEEDS)} 个种子的中位数 [最小, 最大]"
    )
    print(
        f"  / the backward signal at layer 1 over layer 10, median [lowest, highest] over "
        f"{len(SEEDS)} seeds; below {VANISHED:g} it has vanished:"
    )
    signals, ratios, weight_ratios = signal_ratios()
    print_the_loss_matters(ratios)
    print_default_gain()
    print_weight_gradients_cannot_tell(weight_ratios)
    vanishing_verdicts(ratios)
    plots.gradient_norms(signals, INITS)


def signal_ratios():
    """For each activation and init, over the seeds: the backward signal's ratio layer 1 / layer
    10, and the weight gradients' (printed as a table); and each layer's signal on the first
    seed, for the figure."""
    import torch.nn as nn

    print(f"  {'':<9}" + "".join(f"{init:>30}" for init in INITS))
    signals, ratios, weight_ratios = {}, {}, {}
    for activation in (nn.Sigmoid, nn.Tanh, nn.ReLU):
        name = activation.__name__
        for init in INITS:
            passes = [backward_pass(activation, init, seed) for seed in SEEDS]
            signals[name, init] = passes[0][0]  # the figure shows the first seed
            ratios[name, init] = [signal[0] / signal[-1] for signal, _ in passes]
            weight_ratios[name, init] = [weights[0] / weights[-1] for _, weights in passes]
        print(f"  {name:<9}" + "".join(f"{seeds_range(ratios[name, init]):>30}" for init in INITS))
    print(
        "  default = PyTorch 默认初始化; xavier = xavier_normal_; kaiming = kaiming_normal_(relu)"
    )
    return signals, ratios, weight_ratios


def print_the_loss_matters(ratios):
    """The same ReLU stacks with L = Σ h, the loss this claim used before: the sizes depend on
    the loss (its gradient is all positive at the top), the verdicts do not."""
    import statistics

    import torch.nn as nn

    summed = {
        init: [backward_pass(nn.ReLU, init, seed, loss="sum")[0] for seed in SEEDS]
        for init in ("xavier", "kaiming")
    }
    summed = {init: [s[0] / s[-1] for s in passes] for init, passes in summed.items()}
    ours = {init: statistics.median(ratios["ReLU", init]) for init in ("xavier", "kaiming")}
    theirs = {init: statistics.median(summed[init]) for init in ("xavier", "kaiming")}
    same = abs(ours["kaiming"] / ours["xavier"] / (theirs["kaiming"] / theirs["xavier"]) - 1)
    same = same < 0.01  # zero biases: a ReLU stack is homogeneous in its weights' scale
    ratio = f"{ours['kaiming'] / ours['xavier']:.3g}"
    print(
        "  损失用随机读出 L = Σ r·h（r ~ N(0, 1)，梯度有正有负，和网络的损失一样）；"
        f"换成 L = Σ h 时，ReLU + Kaiming 从 {ours['kaiming']:.3g} 变成 {theirs['kaiming']:.3g}"
        + (f"，Kaiming 与 Xavier 之比两种损失下都是 {ratio}" if same else "")
        + "：比值的大小取决于损失"
    )
    print(
        "  / the loss is a random readout L = Σ r·h (r ~ N(0, 1): a gradient of both signs, as a "
        f"network's loss has); with L = Σ h instead, ReLU + Kaiming goes from "
        f"{ours['kaiming']:.3g} to {theirs['kaiming']:.3g}"
        + (f", and Kaiming over Xavier is {ratio} under both" if same else "")
        + ": the sizes depend on the loss"
    )


def print_default_gain():
    """nn.Linear's default init, measured on each seed: a gain of √(1/3)."""
    import math

    import torch
    import torch.nn as nn

    gains = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        gains.append(nn.Linear(256, 256).weight.std().item() * math.sqrt(256))
    measured = f"{seeds_range(gains)}, {len(SEEDS)}"
    print(
        "  PyTorch 默认：nn.Linear 用 kaiming_uniform_(a=√5)，即 U(-1/√fan_in, 1/√fan_in)，"
        f"std = 1/√(3·fan_in)：增益 √(1/3) = 0.577（实测 {measured} 个种子），ReLU 需要 √2 = 1.414"
        "\n  / the default: nn.Linear uses kaiming_uniform_(a=√5), that is U(-1/√fan_in, "
        f"1/√fan_in), std = 1/√(3·fan_in): a gain of √(1/3) = 0.577 (measured {measured} seeds),"
        " where ReLU needs √2 = 1.414"
    )


def print_weight_gradients_cannot_tell(weight_ratios):
    """Why the measure is the backward signal, not the weight gradients."""
    import math

    same = all(  # equal up to float rounding, seed by seed
        math.isclose(xavier, kaiming, rel_tol=1e-4)
        for xavier, kaiming in zip(
            weight_ratios["ReLU", "xavier"], weight_ratios["ReLU", "kaiming"]
        )
    )
    print(
        "  旧的度量（权重梯度范数之比）分不出 Xavier 和 Kaiming：没有偏置的 ReLU 网络对权重尺度是"
        f"正齐次的，这个比值与尺度无关（{len(SEEDS)} 个种子上两者{'都相等' if same else '不等'}，"
        "差别只在浮点误差）"
    )
    print(
        "  / the old measure, weight-gradient norms, cannot tell Xavier from Kaiming: a ReLU "
        "network without biases is positively homogeneous in its weights' scale, so that ratio "
        f"does not depend on it ({'equal' if same else 'not equal'} on all {len(SEEDS)} seeds, "
        "up to float rounding)"
    )


def conditional_verdict(only_under_a_condition, as_written_regardless):
    """有条件成立 when the claim holds only under a condition the article does not state (one
    initialisation, centred inputs); else 成立 when it holds as written anyway, 不成立 when it
    does not."""
    if only_under_a_condition:
        return HOLDS_IF
    return HOLDS if as_written_regardless else DOES_NOT_HOLD


def vanishing_verdicts(ratios):
    """The three verdicts, Sigmoid, Tanh and ReLU, from the signal ratios over the seeds."""
    import statistics

    vanished = {key: max(values) < VANISHED for key, values in ratios.items()}
    kept = {key: min(values) >= VANISHED for key, values in ratios.items()}
    sigmoid_most = max(max(ratios["Sigmoid", init]) for init in INITS)
    verdict(
        all_some_none([vanished["Sigmoid", init] for init in INITS]),
        f"三种初始化下、每个种子上，Sigmoid 传到第 1 层的反向信号都不到第 10 层的 {VANISHED:g}"
        f"（最多 {sigmoid_most:.1g}）。",
        f"under all three initialisations and on every seed, Sigmoid's backward signal at "
        f"layer 1 is below {VANISHED:g} of layer 10's (at most {sigmoid_most:.1g}).",
    )
    verdict(
        conditional_verdict(
            vanished["Tanh", "default"] and kept["Tanh", "xavier"], vanished["Tanh", "xavier"]
        ),
        f"Tanh 只在 PyTorch 默认初始化下消失（{seeds_range(ratios['Tanh', 'default'])}）；"
        f"Xavier 下不消失（{seeds_range(ratios['Tanh', 'xavier'])}）。",
        f"Tanh's signal vanishes under PyTorch's default initialisation "
        f"({seeds_range(ratios['Tanh', 'default'])}), not under Xavier's "
        f"({seeds_range(ratios['Tanh', 'xavier'])}).",
    )
    smaller = statistics.median(ratios["ReLU", "kaiming"]) / statistics.median(
        ratios["ReLU", "xavier"]
    )
    verdict(
        conditional_verdict(
            vanished["ReLU", "default"] and kept["ReLU", "kaiming"], kept["ReLU", "default"]
        ),
        "ReLU 要配合为它设计的初始化才缓解梯度消失：Kaiming 下 "
        f"{seeds_range(ratios['ReLU', 'kaiming'])}（不消失），Xavier 下 "
        f"{seeds_range(ratios['ReLU', 'xavier'])}（比 Kaiming 小 {smaller:.3g} 倍），"
        "PyTorch 默认初始化下 "
        f"{seeds_range(ratios['ReLU', 'default'])}（消失，默认增益只有 √(1/3)）。",
        "ReLU relieves vanishing only with an initialisation made for it: Kaiming "
        f"{seeds_range(ratios['ReLU', 'kaiming'])} (kept), Xavier "
        f"{seeds_range(ratios['ReLU', 'xavier'])} ({smaller:.3g}× smaller than Kaiming), "
        f"PyTorch's default {seeds_range(ratios['ReLU', 'default'])} (vanished: its gain is "
        "only √(1/3)).",
    )


STEADY = 10  # a signal within 10× of layer 10's, either way, has neither vanished nor exploded


def exploding_gradients():
    """ReLU “导数是 1 … 但容易引发梯度爆炸”"""
    import torch.nn as nn

    claim("nn.ReLU", "导数是 1，缓解梯度消失，但容易引发梯度爆炸")
    print(
        "Kaiming 初始化后把权重放大 s 倍，第 1 层权重梯度范数相对 s = 1 的倍数，"
        f"{len(SEEDS)} 个种子的中位数 [最小, 最大]"
    )
    print(
        "  / layer 1's weight gradient with the weights scaled by s, relative to s = 1, median "
        f"[lowest, highest] over {len(SEEDS)} seeds:"
    )
    growth, steady = {}, {}
    for activation in (nn.ReLU, nn.Tanh):
        name = activation.__name__
        base = [backward_pass(activation, "kaiming", seed) for seed in SEEDS]
        steady[name] = [signal[0] / signal[-1] for signal, _ in base]
        growth[name] = {
            scale: [
                backward_pass(activation, "kaiming", seed, scale=scale)[1][0] / weights[0]
                for seed, (_, weights) in zip(SEEDS, base)
            ]
            for scale in (1.5, 2)
        }
        print(
            f"  {name:<6} "
            + ", ".join(f"s = {scale}: {seeds_range(g)}×" for scale, g in growth[name].items())
            + f";  s = 1 时反向信号第 1 层 / 第 10 层 signal at layer 1 / layer 10: "
            f"{seeds_range(steady[name])}"
        )
    stable = all(1 / STEADY < r < STEADY for r in steady["ReLU"])
    passes_growth_on = min(growth["ReLU"][2]) > max(growth["Tanh"][2])
    relu_at_2, tanh_at_2 = seeds_range(growth["ReLU"][2]), seeds_range(growth["Tanh"][2])
    verdict(
        exploding_verdict(stable, passes_growth_on),
        f"Kaiming 初始化下 ReLU 的反向信号层层保持同一量级（在 1/{STEADY:g} 到 {STEADY:g} 倍"
        f"之间），不爆炸；只有权重偏大时才爆炸：ReLU 把放大原样传下去（s = 2 时 {relu_at_2} 倍，"
        f"= 2⁹），Tanh 的饱和会压住一些（{tanh_at_2} 倍）。",
        f"with Kaiming initialisation ReLU's backward signal keeps its size (within {STEADY:g}× "
        f"either way); it explodes only when the weights are too large: ReLU passes the growth "
        f"on in full ({relu_at_2}× at s = 2, = 2⁹), Tanh's saturation damps it ({tanh_at_2}×).",
    )


def exploding_verdict(stable, passes_growth_on):
    """ "ReLU easily makes gradients explode": 成立 when its backward signal explodes under
    Kaiming's init, 有条件成立 when it is stable there and explodes only with weights too large
    (passing their growth on more than Tanh), 不成立 when it is stable and passes no more on."""
    if not stable:
        return HOLDS
    return HOLDS_IF if passes_growth_on else DOES_NOT_HOLD


ZERO_MEAN = 0.05  # a mean this close to 0 counts as 0 mean


def one_sign_share(delta, a):
    """The share of next-layer weight-gradient rows whose entries all have one sign. ``delta``:
    (n, neurons), ``a``: (n, inputs); row i of the gradient is Σ_n delta[n, i]·a[n]."""
    import torch

    signs = torch.sign(delta.T @ a)  # neuron × input
    return ((signs >= 0).all(1) | (signs <= 0).all(1)).float().mean().item()


def zero_mean():
    """Sigmoid “输出为非 0 均值，破坏数据分布”，Tanh “数据符合 0 均值”"""
    claim("nn.Sigmoid", "输出为非 0 均值，破坏数据分布")
    claim("nn.tanh", "输出值在(-1, 1)，数据符合 0 均值")
    print(
        "输入 x ~ N(0, 1) 和 N(1, 1)（256 × 64），下一层 Linear(64, 32) 收到的梯度 δ ~ N(0, 1)，"
        f"{len(SEEDS)} 个随机种子 / {len(SEEDS)} seeds"
    )
    print(
        "  同号：下一层一个神经元的权重梯度各分量符号相同 / one sign: a next-layer neuron's weight"
        " gradient has one sign in every entry"
    )
    means, shifted, per_sample, per_batch = output_means_and_signs()
    sigmoid_verdict(means, per_sample, per_batch)
    tanh_verdict(means, shifted)


def output_means_and_signs():
    """For Sigmoid, Tanh and ReLU over the seeds: the output's mean on N(0, 1) and N(1, 1), and
    the share of one-signed weight gradients with one sample and with a batch of 256 a step."""
    import statistics

    import torch
    import torch.nn as nn

    means, shifted, per_sample, per_batch = {}, {}, {}, {}
    for activation in (nn.Sigmoid(), nn.Tanh(), nn.ReLU()):
        name = type(activation).__name__
        means[name], shifted[name], per_sample[name], per_batch[name] = [], [], [], []
        for seed in SEEDS:
            generator = torch.Generator().manual_seed(seed)
            x = torch.randn(256, 64, generator=generator)
            delta = torch.randn(256, 32, generator=generator)
            a = activation(x)
            means[name].append(a.mean().item())
            shifted[name].append(activation(x + 1).mean().item())
            one_at_a_time = [one_sign_share(delta[n : n + 1], a[n : n + 1]) for n in range(256)]
            per_sample[name].append(statistics.mean(one_at_a_time))  # one sample a step
            per_batch[name].append(one_sign_share(delta, a))  # a batch of 256 a step
        one_sample = f"{statistics.mean(per_sample[name]):.0%}"
        batch = f"{statistics.mean(per_batch[name]):.0%}"
        each = ", ".join(f"{v:.0%}" for v in per_batch[name])
        print(
            f"  {name:<8} 均值：N(0, 1) {spread(means[name])}，N(1, 1) {spread(shifted[name])}；"
            f"同号：单样本 {one_sample}，256 个样本 {batch} / mean: N(0, 1) "
            f"{spread(means[name])}, N(1, 1) {spread(shifted[name])}; one sign: one sample "
            f"{one_sample}, a batch of 256 {batch} (seeds: {each})"
        )
    return means, shifted, per_sample, per_batch


def sigmoid_verdict(means, per_sample, per_batch):
    """成立 when Sigmoid's mean is above ZERO_MEAN on every seed, 有条件成立 on some, else
    不成立."""
    import statistics

    zig_zag = {name: min(per_sample[name]) for name in per_sample}
    verdict(
        all_some_none([mean > ZERO_MEAN for mean in means["Sigmoid"]]),
        f"Sigmoid 输出均值约 {statistics.mean(means['Sigmoid']):.2f}"
        f"（每个种子都大于 {ZERO_MEAN}）。"
        f"一次一个样本时，下一层每个神经元的权重梯度全部同号（Sigmoid {zig_zag['Sigmoid']:.0%}，"
        f"ReLU 也是 {zig_zag['ReLU']:.0%}，文章没说），只能走“之”字形；但 256 个样本一批时，"
        f"同号的比例在 {len(SEEDS)} 个种子中是 {share_range(per_batch['Sigmoid'])}（Sigmoid）和 "
        f"{share_range(per_batch['ReLU'])}（ReLU）。",
        f"Sigmoid's outputs average {statistics.mean(means['Sigmoid']):.2f} (above {ZERO_MEAN} "
        f"on every seed). With one sample a step, every next-layer neuron's weight gradient has "
        f"one sign (Sigmoid {zig_zag['Sigmoid']:.0%}, and ReLU {zig_zag['ReLU']:.0%}, which the "
        f"article does not say): a zig-zag path; with a batch of 256, in {len(SEEDS)} seeds "
        f"{share_range(per_batch['Sigmoid'])} (Sigmoid) and {share_range(per_batch['ReLU'])} "
        "(ReLU) do.",
    )


def tanh_verdict(means, shifted):
    """有条件成立 when Tanh's mean is 0 only for centred inputs; 成立 when it stays 0 off centre
    too; 不成立 when it is not 0 even for centred inputs."""
    import statistics

    centred = max(abs(m) for m in means["Tanh"]) < ZERO_MEAN
    off_centre = min(shifted["Tanh"])
    verdict(
        conditional_verdict(centred and off_centre > ZERO_MEAN, centred),
        f"Tanh 的输出只有在输入以 0 为中心时才是 0 均值（|均值| < {ZERO_MEAN}）；输入 N(1, 1) 时"
        f"均值 {statistics.mean(shifted['Tanh']):.2f}。",
        f"Tanh's outputs average 0 (|mean| < {ZERO_MEAN}) only when its inputs are centred on 0; "
        f"for N(1, 1) they average {statistics.mean(shifted['Tanh']):.2f}.",
    )


KILLED = 32  # the first half of the 64 hidden units start dead (bias -3)


def dead_unit_shares(activation, steps=200, kill=True, seed=0, optimizer="Adam", lr=0.05, nudge=0):
    """Train 16 → 64 → 1 with ``optimizer`` (Adam or SGD) at ``lr`` on a seeded regression; half
    the hidden units start dead (bias -3) when ``kill``. Returns the share of units negative for
    every input after each step, the gradient norm that the weights of the killed units dead at
    the start got in the first step, and the loss before and after training. ``nudge``: every
    weight starts × (1 + nudge)."""
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    x = torch.randn(256, 16, dtype=torch.float64)  # why float64: networks_side_by_side
    y = x[:, :4].sum(1, keepdim=True).sin() * 3
    hidden, output = nn.Linear(16, 64), nn.Linear(64, 1)
    net = nn.Sequential(hidden, activation(), output).double()
    act = net[1]
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(1 + nudge)
    if kill:
        hidden.bias.data[:KILLED] = -3.0  # as after one large step that pushed the biases down
    sgd_or_adam = Optimizer(optimizer, net.parameters(), lr=lr)
    shares, first_grad, losses = [], None, []
    pre_activation = hidden(x)
    dead_at_start = killed_and_dead(pre_activation)
    for _ in range(steps):
        sgd_or_adam.zero_grad()
        loss = nn.functional.mse_loss(output(act(pre_activation)), y)
        loss.backward()
        losses.append(loss.item())
        if first_grad is None:
            first_grad = hidden.weight.grad[dead_at_start].norm().item()
        sgd_or_adam.step()
        pre_activation = hidden(x)  # the units as this step left them; the next step's input
        shares.append(dead(pre_activation).float().mean().item())
    return shares, first_grad, (losses[0], losses[-1])


def dead(pre_activation):
    """Which units are dead: ≤ 0 for every input (the inputs along dim -2)."""
    return (pre_activation <= 0).all(dim=-2)


def killed_and_dead(pre_activation):
    """Which units are in the first half, the killed ones (bias -3), and dead: a unit whose
    weights reach past 3 for some input is alive from the start, whatever its bias, and gets a
    gradient through ReLU too."""
    units = dead(pre_activation)
    units[..., KILLED:] = False
    return units


def networks_side_by_side(seeds, widths, killed=None, generators=None):
    """For each of ``seeds``, the seeded regression (x: 256 × 16 from N(0, 1), y = 3·sin of the
    sum of x's first four columns) and the nn.Linear layers of ``widths``, drawn in that order
    as dead_unit_shares draws them; half the units of layer ``killed`` start dead (bias -3).
    Returns x, y and every layer's weight and bias, each stacked seed by seed in float64 (the
    weights as leaves that take gradients). ``generators``: a list that gets, for each seed, a
    torch.Generator where that seed's draws left the global one (RReLU draws on from there)."""
    import torch
    import torch.nn as nn

    xs, ys, weights = [], [], [[] for _ in range(2 * (len(widths) - 1))]
    for seed in seeds:
        torch.manual_seed(seed)
        # float64 from the draw on: float32 randn takes SIMD code whose draws differ in the last
        # bit from one CPU to another (4.8e-5 in a pre-activation after one Adam step), and 200
        # steps carry that to which units count as dead; from float64 draws two CPUs' units
        # differ by 8e-10 after 200 steps, and no unit's largest pre-activation is that near 0
        x = torch.randn(256, 16, dtype=torch.float64)
        xs.append(x)
        ys.append(x[:, :4].sum(1, keepdim=True).sin() * 3)
        layers = [nn.Linear(n_in, n_out) for n_in, n_out in zip(widths, widths[1:])]
        if killed is not None:
            layers[killed].bias.data[:KILLED] = -3.0
        for kept, p in zip(weights, [p for layer in layers for p in (layer.weight, layer.bias)]):
            kept.append(p.detach().double())
        if generators is not None:
            generators.append(torch.Generator().set_state(torch.get_rng_state()))
    params = [torch.stack(kept).requires_grad_(True) for kept in weights]
    return torch.stack(xs), torch.stack(ys), params


def rrelu_slopes(z, generators):
    """The slopes nn.RReLU() multiplies ``z`` (networks, batch, units) by in training: 1 where
    z > 0, else a ~ U(1/8, 1/3) drawn element by element in order from each network's own
    generator, as F.rrelu draws them from the global one: x·(upper − lower) + lower with x from
    torch.rand, bit for bit (tests/test_claims_linear_activations compares the two)."""
    import torch
    import torch.nn as nn

    defaults = nn.RReLU()
    lower, upper = defaults.lower, defaults.upper
    slopes = torch.ones_like(z)
    negative = z <= 0
    counts = negative.flatten(1).sum(dim=1).tolist()
    drawn = [torch.rand(n, dtype=z.dtype, generator=g) for n, g in zip(counts, generators)]
    slopes[negative] = torch.cat(drawn) * (upper - lower) + lower  # network by network, in order
    return slopes


def side_by_side_linear(h, weight, bias):
    """nn.Linear for networks side by side: ``h`` is (networks, batch, in)."""
    import torch

    return torch.baddbmm(bias[:, None], h, weight.transpose(1, 2))


def dead_unit_shares_over_seeds(activation, seeds, steps=200, kill=True, optimizer="Adam", lr=0.05):
    """dead_unit_shares for each of ``seeds``, trained side by side as one batch of networks:
    each seed's loss depends on its own weights only and the optimizer works element by
    element, so each network takes the steps it takes alone (tests/test_claims_linear_activations
    compares the two)."""
    import torch
    import torch.nn as nn

    generators = []
    x, y, params = networks_side_by_side(
        seeds, (16, 64, 1), killed=0 if kill else None, generators=generators
    )
    w1, b1, w2, b2 = params
    if activation is nn.PReLU:  # one slope per network, PReLU's default 0.25
        slope = torch.full((len(seeds), 1, 1), 0.25, dtype=torch.float64, requires_grad=True)
        params.append(slope)
        act = lambda z: z.clamp(min=0) + slope * z.clamp(max=0)  # noqa: E731
    elif activation is nn.RReLU:
        act = lambda z: z * rrelu_slopes(z.detach(), generators)  # noqa: E731
    else:
        act = {nn.ReLU: torch.relu, nn.LeakyReLU: nn.functional.leaky_relu}[activation]
    sgd_or_adam = Optimizer(optimizer, params, lr=lr)
    hidden_of = lambda: side_by_side_linear(x, w1, b1)  # noqa: E731
    shares, first_grad, losses = [], None, []
    pre_activation = hidden_of()
    dead_at_start = killed_and_dead(pre_activation.detach())
    for _ in range(steps):
        sgd_or_adam.zero_grad()
        out = side_by_side_linear(act(pre_activation), w2, b2)
        loss = ((out - y) ** 2).mean(dim=(1, 2))  # each network's own mse_loss
        loss.sum().backward()
        losses.append(loss.detach())
        if first_grad is None:
            first_grad = (w1.grad * dead_at_start[..., None]).flatten(1).norm(dim=1)
        sgd_or_adam.step()
        pre_activation = hidden_of()  # the units as this step left them; the next step's input
        shares.append(dead(pre_activation.detach()).double().mean(dim=1))
    shares = torch.stack(shares).T.tolist()
    return [
        (shares[i], first_grad[i].item(), (losses[0][i].item(), losses[-1][i].item()))
        for i in range(len(seeds))
    ]


TRAININGS = [("Adam", 0.05), ("SGD", 0.1), ("SGD", 0.3), ("SGD", 0.5)]
MOSTLY_BACK = 0.05  # at most 5% of the units still dead after training: they came back


def dead_relu():
    """ReLU “负半轴的导数为 0，容易导致死神经元”；LeakyReLU、PReLU、RReLU 是改进"""
    claim("nn.ReLU", "输出值均为正数，负半轴的导数为 0，容易导致死神经元")
    claim(
        "nn.LeakyReLU / nn.PReLU / nn.RReLU",
        "针对 RuLU 会导致死神经元的缺点，出现了下面 3 种改进的激活函数。",
    )
    print(
        f"16 → 64 → 1 的回归网络，200 步，{len(SEEDS)} 个种子 / a 16-64-1 regression net, "
        f"200 steps, {len(SEEDS)} seeds; 死单元 = 对所有输入都 ≤ 0 / dead = ≤ 0 for every input"
    )
    natural, falls = units_that_die()
    curves, first_grads, after = dead_units_coming_back()
    deeper = deeper_units_coming_back()
    relu_verdict(natural, falls, first_grads, deeper)
    variants_verdict(first_grads, after)
    plots.dead_units(curves)


def units_that_die():
    """ReLU trained from the usual initialisation with each of TRAININGS: the share of dead
    units at the end on each seed, and on how many seeds the loss fell."""
    import torch.nn as nn

    print("  从正常初始化开始训练 / trained from the usual initialisation, ReLU:")
    natural, falls = {}, {}
    for optimizer, lr in TRAININGS:
        runs = dead_unit_shares_over_seeds(nn.ReLU, SEEDS, kill=False, optimizer=optimizer, lr=lr)
        natural[optimizer, lr] = [shares[-1] for shares, _, _ in runs]
        falls[optimizer, lr] = sum(after < before for _, _, (before, after) in runs)
        dead_share = share_range(natural[optimizer, lr])
        fell = f"{falls[optimizer, lr]}/{len(SEEDS)}"
        print(
            f"    {optimizer} lr {lr}：死单元 {dead_share}，loss 下降的种子 {fell}"
            f" / dead {dead_share}, seeds whose loss fell {fell}"
        )
    return natural, falls


def dead_units_coming_back():
    """Half the units start dead: for ReLU and each variant, the dead share over the steps (first
    seed, for the figure), the dead units' first gradient and the share still dead at the end."""
    import torch.nn as nn

    print(
        f"  一半隐藏单元一开始就死了（bias = -3），Adam，{len(SEEDS)} 个种子 / half the units start"
        f" dead (bias -3), Adam, {len(SEEDS)} seeds:"
    )
    curves, first_grads, after = {}, {}, {}
    for name, activation in [
        ("ReLU", nn.ReLU),
        ("LeakyReLU()", nn.LeakyReLU),  # the default negative_slope, 0.01
        ("PReLU()", nn.PReLU),
        ("RReLU()", nn.RReLU),
    ]:
        runs = dead_unit_shares_over_seeds(activation, SEEDS)
        curves[name] = runs[0][0]  # the figure shows the first seed
        first_grads[name] = [first for _, first, _ in runs]
        after[name] = [shares[-1] for shares, _, _ in runs]
        first = f"{min(first_grads[name]):.3g}–{max(first_grads[name]):.3g}"
        print(
            f"    {name:<12} 200 步后仍死 {share_range(after[name])}，死单元权重第一步的梯度 "
            f"{first} / still dead after 200 steps {share_range(after[name])}, their first "
            f"gradient {first}"
        )
    return curves, first_grads, after


def deeper_units_coming_back(steps=200):
    """The scope of "dead for good": 16 → 64 → 64 → 1, half the second hidden layer's units
    killed (bias -3), Adam lr 0.05. A dead unit there gets no gradient either, but its input,
    the first layer's output, keeps changing. Prints and returns, for each seed, the share of
    the killed units that were alive (> 0 for some input) after some step."""
    import torch

    # every seed's network side by side, as dead_unit_shares_over_seeds trains them
    x, y, params = networks_side_by_side(SEEDS, (16, 64, 64, 1), killed=1)
    w1, b1, w2, b2, w3, b3 = params

    def second_layer():
        return side_by_side_linear(torch.relu(side_by_side_linear(x, w1, b1)), w2, b2)

    sgd_or_adam = Optimizer("Adam", params, lr=0.05)
    alive = torch.zeros(len(SEEDS), KILLED, dtype=torch.bool)
    for _ in range(steps):
        sgd_or_adam.zero_grad()
        out = side_by_side_linear(torch.relu(second_layer()), w3, b3)
        ((out - y) ** 2).mean(dim=(1, 2)).sum().backward()  # each network's own mse_loss
        sgd_or_adam.step()
        with torch.no_grad():
            alive |= (second_layer()[:, :, :KILLED] > 0).any(dim=1)
    revived = alive.double().mean(dim=1).tolist()
    print(
        f"  第二个隐藏层里死掉的一半单元（16 → 64 → 64 → 1，Adam）：{len(SEEDS)} 个种子中 "
        f"{share_range(revived)} 在某一步又活了 / half the units of a second hidden layer "
        f"killed (16 → 64 → 64 → 1, Adam): in {len(SEEDS)} seeds {share_range(revived)} were "
        "alive again after some step"
    )
    return revived


def relu_verdict(natural, falls, first_grads, deeper):
    """The measurements behind dead_relu_verdict, printed with it."""
    adam = max(natural["Adam", 0.05])
    large_steps = {key: max(shares) for key, shares in natural.items() if key[0] == "SGD"}
    dies = [key for key, most in large_steps.items() if most >= MOSTLY_BACK]
    died_zh = "，".join(
        f"SGD lr {key[1]} 时 {share_range(natural[key])}"
        f"（loss 在 {falls[key]}/{len(SEEDS)} 个种子上下降）"
        for key in dies
    )
    died_en = ", ".join(
        f"{share_range(natural[key])} with SGD at lr {key[1]} (the loss fell on "
        f"{falls[key]}/{len(SEEDS)} seeds)"
        for key in dies
    )
    verdict(
        dead_relu_verdict(max(first_grads["ReLU"]) == 0, bool(dies), adam < MOSTLY_BACK),
        "死了的 ReLU 单元梯度正好是 0；在第一个隐藏层、数据不变时它永远回不来，更深的层里前一层还在"
        f"变，它能回来（{len(SEEDS)} 个种子中 {share_range(deeper)}）。会不会死要看步子多大，"
        f"{len(SEEDS)} 个种子中死掉的比例：Adam（lr 0.05）下 {share_range(natural['Adam', 0.05])}；"
        f"{died_zh}。",
        "a dead ReLU unit gets exactly zero gradient; in the first hidden layer on fixed data it "
        "never comes back, deeper in the net the layer before keeps changing and it can (in "
        f"{len(SEEDS)} seeds {share_range(deeper)}). Whether units die depends on the step "
        f"size; dead in {len(SEEDS)} seeds: {share_range(natural['Adam', 0.05])} with Adam "
        f"(lr 0.05), {died_en}.",
    )


def dead_relu_verdict(no_gradient, large_steps_kill, adam_spares):
    """ "ReLU easily makes dead neurons": 不成立 when a dead unit still gets a gradient (it is
    not dead) or no setting kills units; 有条件成立 when large SGD steps kill them and Adam's do
    not (it depends on the step); 成立 when they die either way."""
    if not (no_gradient and large_steps_kill):
        return DOES_NOT_HOLD
    return HOLDS_IF if adam_spares else HOLDS


def variants_verdict(first_grads, after):
    """成立 when every variant gives dead units a gradient and brings them back; 有条件成立 when
    the gradient is there but they stay dead; 不成立 when there is no gradient."""
    variants = [name for name in after if name != "ReLU"]
    back = all(max(after[name]) <= MOSTLY_BACK for name in variants)
    gradient = all(min(first_grads[name]) > 0 for name in variants)
    verdict(
        variants_decision(back, gradient),
        "LeakyReLU、PReLU、RReLU 的负半轴有斜率，死单元仍有梯度，能活过来，但用默认参数时慢"
        f"（{len(after['ReLU'])} 个种子）："
        + "，".join(f"{name} 200 步后仍死 {share_range(after[name])}" for name in variants)
        + f"（ReLU {share_range(after['ReLU'])}）。",
        "LeakyReLU, PReLU and RReLU keep a slope on the negative side, so dead units still get a "
        f"gradient and can come back, slowly with the defaults (in {len(after['ReLU'])} seeds):"
        " still dead after 200 steps "
        + ", ".join(f"{name} {share_range(after[name])}" for name in variants)
        + f" (ReLU {share_range(after['ReLU'])}).",
    )


def variants_decision(back, gradient):
    """成立 when the variants give dead units a gradient and bring them back, 有条件成立 when
    the gradient is there but they stay dead, 不成立 when there is no gradient."""
    if not gradient:
        return DOES_NOT_HOLD
    return HOLDS if back else HOLDS_IF


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
