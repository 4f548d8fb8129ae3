"""文章之外 / Beyond the article: the activations today's networks use, and the initialisation each
one needs to carry a signal through depth.

    python lesson3/beyond_activations.py --list
    python lesson3/beyond_activations.py --modern-activations
    python lesson3/beyond_activations.py --init-gains

No flag runs every section. The article's six activations are in nn_layers_others.py.
"""

import collections
import os
import sys

# common_tools.py sits in the repository's top folder, the helpers beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lab import plots
from lab.activation_notes import NETWORK_ELEMENTS, edges_on_each_path, zero_gradient_edge
from lab.depth import signal_through
from lab.verdicts import SEEDS, pad, seeds_range

# ============================== 现代激活函数 modern activations ===============================

# One record per activation: the layer, its formula y(x) and derivative y'(x) (x a float64 tensor),
# the formula as printed, and where its gradient is 0 by definition (None: nowhere). Each
# formula is written from the paper or PyTorch's documentation, not from the layer's code, and
# modern_activations() checks both against the layer and autograd.
ModernActivation = collections.namedtuple(
    "ModernActivation", "layer formula derivative text flat_below", defaults=(None,)
)
SQRT_2_OVER_PI = (2 / 3.141592653589793) ** 0.5
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805  # its paper's (Klambauer 2017)


def normal_pdf(x):
    import torch

    return torch.exp(-x * x / 2) / (2 * 3.141592653589793) ** 0.5


def normal_cdf(x):
    import torch

    return 0.5 * (1 + torch.erf(x / 2**0.5))


def gelu_tanh(x):
    import torch

    return 0.5 * x * (1 + torch.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def gelu_tanh_derivative(x):
    import torch

    t = torch.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x**2)


def mish_derivative(x):
    import torch

    t = torch.tanh(torch.nn.functional.softplus(x))
    return t + x * (1 - t * t) * torch.sigmoid(x)


def modern_formulas():
    """{name: ModernActivation}, in the order they are printed and drawn."""
    import torch
    import torch.nn as nn

    sig, alpha, scale = torch.sigmoid, SELU_ALPHA, SELU_SCALE
    return {
        "GELU": ModernActivation(
            nn.GELU(),
            lambda x: x * normal_cdf(x),
            lambda x: normal_cdf(x) + x * normal_pdf(x),
            "x·Φ(x), Φ = 标准正态分布函数 the standard normal CDF",
        ),
        "GELU(tanh)": ModernActivation(
            nn.GELU(approximate="tanh"),
            gelu_tanh,
            gelu_tanh_derivative,
            "0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))",
        ),
        "SiLU": ModernActivation(
            nn.SiLU(),
            lambda x: x * sig(x),
            lambda x: sig(x) * (1 + x * (1 - sig(x))),
            "x·σ(x)  (Swish)",
        ),
        "Mish": ModernActivation(
            nn.Mish(),
            lambda x: x * torch.tanh(torch.log1p(torch.exp(x))),
            mish_derivative,
            "x·tanh(softplus(x))",
        ),
        "ELU": ModernActivation(
            nn.ELU(),
            lambda x: torch.where(x > 0, x, torch.expm1(x)),
            lambda x: torch.where(x > 0, 1.0, torch.exp(x)),
            "x (x > 0); α(eˣ − 1) (x ≤ 0), α = 1",
        ),
        "SELU": ModernActivation(
            nn.SELU(),
            lambda x: scale * torch.where(x > 0, x, alpha * torch.expm1(x)),
            lambda x: scale * torch.where(x > 0, 1.0, alpha * torch.exp(x)),
            "λx (x > 0); λα(eˣ − 1) (x ≤ 0)",
        ),
        "Hardswish": ModernActivation(
            nn.Hardswish(),
            lambda x: x * torch.clamp(x + 3, 0, 6) / 6,
            lambda x: torch.where(x < -3, 0.0, torch.where(x > 3, 1.0, (2 * x + 3) / 6)),
            "x·ReLU6(x + 3)/6",
            flat_below=-3,
        ),
        "Softplus": ModernActivation(
            nn.Softplus(),
            lambda x: torch.log1p(torch.exp(x)),
            sig,
            "ln(1 + eˣ)  (β = 1; x > 20 时直接取 x / returns x above threshold 20)",
        ),
    }


AGREES = 1e-12  # formula and layer (and their derivatives) agree in float64 below this
# y' changing by more than 0.01, or y'' by more than 0.5, between grid points 0.001 apart is a
# jump: on a smooth curve here they change by under 0.001 (its y'' and y''' stay below 1)
JUMP, SECOND_JUMP = 0.01, 0.5


def grid_derivative(layer, x):
    """The layer's y and its autograd derivative y' on the grid ``x``."""
    import torch

    x = x.clone().requires_grad_(True)
    y = layer(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    return y.detach(), dy


def kinks(x, values, jump):
    """Where ``values`` (sampled on the grid ``x``) jump by more than ``jump`` between
    neighbours: the grid points just left of each jump, as floats."""
    steps = (values[1:] - values[:-1]).abs()
    jumps = (steps > jump).nonzero().flatten().tolist()
    return [round((x[i].item() + x[i + 1].item()) / 2, 2) + 0.0 for i in jumps]  # no -0.0


def lowest_point(layer, x, y):
    """The layer's minimum, refined from the grid's lowest point by golden-section search."""
    import torch

    i = int(y.argmin())
    low, high = x[max(i - 1, 0)].item(), x[min(i + 1, len(x) - 1)].item()
    ratio = (5**0.5 - 1) / 2
    for _ in range(80):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        values = layer(torch.tensor([a, b], dtype=torch.float64))
        if values[0] < values[1]:
            high = b
        else:
            low = a
    where = (low + high) / 2
    return layer(torch.tensor([where], dtype=torch.float64)).item(), where


def modern_activations(each_code_path=False):
    """现代网络的激活函数 / GELU, SiLU, Mish, ELU, SELU, Hardswish, Softplus: formula, shape, use

    The activations of today's vision models, in the form of the article's six: each formula and
    its derivative checked against the layer and autograd on a float64 grid, where it is not
    smooth, its lowest value, where float32 makes its gradient exactly 0, and how often
    torchvision's models use it (built on the meta device: no weights are downloaded)."""
    import torch

    formulas = modern_formulas()
    x = torch.arange(-6000, 6001, dtype=torch.float64) / 1000  # step 0.001, with x = 0 exactly
    curves = check_formulas(formulas, x)
    print_shapes(formulas, curves, x)
    print_gelu_and_selu(formulas, curves, x)
    print_zero_gradients(formulas, each_code_path=each_code_path)
    activation_census()
    plots.modern_activations(x.numpy(), {name: c[0].numpy() for name, c in curves.items()})
    plots.modern_activation_gradients(x.numpy(), {name: c[1].numpy() for name, c in curves.items()})


def check_formulas(formulas, x):
    """Each formula and its derivative against the layer and autograd on the grid ``x``; returns
    {name: (y, y')} from the layers."""
    curves = {}
    print(
        f"公式与导数：在 x ∈ [-6, 6] 上（步长 0.001，float64），容差 {AGREES:.0e} / formula and "
        f"derivative on x ∈ [-6, 6] (step 0.001, float64), tolerance {AGREES:.0e}:"
    )
    for name, activation in formulas.items():
        y, dy = grid_derivative(activation.layer, x)
        curves[name] = (y, dy)
        smooth_x = x[(x != 0) & (x.abs() != 3)]  # where the derivative exists for all of them
        value_gap = (activation.formula(x) - y).abs().max().item()
        layer_slope = grid_derivative(activation.layer, smooth_x)[1]
        slope_gap = (activation.derivative(smooth_x) - layer_slope).abs().max().item()
        ok = "✓" if value_gap < AGREES and slope_gap < AGREES else "✗"
        print(f"  {name:<11} y = {activation.text}")
        print(
            f"  {'':<11} |公式 − 层| < {AGREES:.0e}: y {value_gap < AGREES}, "
            f"y' (autograd) {slope_gap < AGREES} {ok}"
        )
    return curves


def print_shapes(formulas, curves, x):
    """Where each curve is not smooth (jumps found on the grid), and its lowest value."""
    import torch

    print("\n形状 shape (y' 和 y'' 的跳变由网格算出 / jumps of y' and y'' found on the grid):")
    for name, activation in formulas.items():
        y, dy = curves[name]
        second = (dy[1:] - dy[:-1]) / 0.001
        y_jumps, dy_jumps = kinks(x, dy, JUMP), kinks(x[:-1], second, SECOND_JUMP)
        if y_jumps:
            smooth = f"y' 在 x ≈ {y_jumps} 跳变", f"y' jumps at x ≈ {y_jumps}"
        elif dy_jumps:
            smooth = (
                f"y' 连续，y'' 在 x ≈ {dy_jumps} 跳变",
                f"y' continuous, y'' jumps at x ≈ {dy_jumps}",
            )
        else:
            smooth = "处处光滑", "smooth everywhere"
        low, where = lowest_point(activation.layer, x, y)
        at_edge = where < -5.9
        bound = activation.layer(torch.tensor([-1e4], dtype=torch.float64)).item()
        lowest = (
            (
                f"下确界 {bound:.4f}（x → −∞，取不到）",
                f"infimum {bound:.4f} (x → −∞, never reached)",
            )
            if at_edge
            else (f"最小值 {low:.4f}，在 x = {where:.3f}", f"minimum {low:.4f} at x = {where:.3f}")
        )
        print(f"  {name:<11} {lowest[0]}；{smooth[0]} / {lowest[1]}; {smooth[1]}")


def print_gelu_and_selu(formulas, curves, x):
    """GELU's tanh form against the exact one, and SELU's constants measured from the layer."""
    import torch

    gap = (curves["GELU(tanh)"][0] - curves["GELU"][0]).abs()
    print(
        f"\nGELU 的 tanh 近似 vs 精确 / tanh form vs exact: 最大差 largest difference "
        f"{gap.max():.2e} at x = {x[gap.argmax()]:.3f}"
    )
    selu = formulas["SELU"].layer
    scale = selu(torch.tensor(1.0, dtype=torch.float64)).item()
    alpha = -selu(torch.tensor(-1e4, dtype=torch.float64)).item() / scale
    print(
        f"SELU 的常数（从层量出）：λ = {scale:.10f}，α = {alpha:.10f} / SELU's constants, "
        f"measured from the layer: λ = {scale:.10f}, α = {alpha:.10f}"
    )


def sloped_layers():
    """{name: layer} of the activations whose y' is 0 nowhere by definition: the layers
    lab.activation_notes.edges_on_each_path measures on each code path."""
    return {name: a.layer for name, a in modern_formulas().items() if a.flat_below is None}


def print_zero_gradients(formulas, each_code_path=False):
    """Where float32 makes each derivative exactly 0 on the negative side: on a one-element
    tensor, or with ``each_code_path`` on a network's tensor on each of the CPU's code paths."""
    if each_code_path:
        print_edges_on_each_path()
        return
    print(
        "\nfloat32 中梯度正好为 0（一个元素的张量，走标量代码）/ where float32 makes y' exactly 0,"
        " x < 0 side (a one-element tensor, which takes scalar code):"
    )
    for name, activation in formulas.items():
        if activation.flat_below is not None:
            print(f"  {name:<11} x < {activation.flat_below} (按定义 by definition)")
        else:
            edge = zero_gradient_edge(activation.layer, 1)
            print(f"  {name:<11} x < {rounded_away_from_zero(edge)}")
    print(
        "  Softplus：x > 20 时层直接返回 x（threshold），与 ln(1 + eˣ) 的差低于 float32 的精度"
        " / Softplus: above x = 20 (threshold) the layer returns x itself, within float32's"
        " precision of ln(1 + eˣ)"
    )
    print(
        f"  网络里 {NETWORK_ELEMENTS} 个元素的张量走向量化的代码，边界随 CPU 的指令集而变，"
        "--each-code-path 逐条量出 / a network's large tensors take vectorised code, whose edge "
        "depends on the CPU's instruction set: --each-code-path measures each path"
    )


def print_edges_on_each_path():
    """The edges of each code path this CPU has, a child process each, and which ones differ."""
    paths = edges_on_each_path()
    names = list(next(iter(paths.values())))  # sloped_layers(), as the children measured them
    print(
        "\nfloat32 中梯度正好为 0，在这台 CPU 的每条代码路径上 / where float32 makes y' exactly 0,"
        " x < 0 side, on each code path of this CPU:"
    )
    print(f"  路径 paths (ATEN_CPU_CAPABILITY): {', '.join(paths)}")
    print(
        f"  每格：x 低于它时 y' = 0；列：一个元素的张量（标量代码），然后每条路径上"
        f" {NETWORK_ELEMENTS} 个元素的张量 / each cell: y' = 0 for x below it; columns: a"
        f" one-element tensor (scalar code), then a {NETWORK_ELEMENTS}-element tensor on each path"
    )
    header = f"  {'':<11} {'1':<10}" + "".join(f"{NETWORK_ELEMENTS} {p:<8}" for p in paths)
    print(header.rstrip())
    differ = []
    for name in names:
        one = sorted({rounded_away_from_zero(edges[name][0]) for edges in paths.values()})
        many = [rounded_away_from_zero(edges[name][1]) for edges in paths.values()]
        if len(set(one + many)) > 1:
            differ.append(name)
        row = f"  {name:<11} {'/'.join(one):<10}" + "".join(f"{m:<13}" for m in many)
        print(row.rstrip())
    same = [name for name in names if name not in differ]
    print(f"  边界随代码路径而变 / the edge depends on the code path: {', '.join(differ) or '-'}")
    print(f"  各路径相同 / the same on every path: {', '.join(same) or '-'}")


def rounded_away_from_zero(edge, digits=4):
    """``edge`` to ``digits`` significant digits, rounded away from 0: "x < −88.73" is true of
    every x it names, where "x < −88.72" names some above the edge, −88.72283."""
    import math

    decimals = digits - 1 - math.floor(math.log10(abs(edge)))
    scaled = math.floor(edge * 10**decimals) if edge < 0 else math.ceil(edge * 10**decimals)
    return f"{scaled / 10**decimals:.{max(decimals, 0)}f}"


CENSUS_MODELS = (
    "resnet50",
    "vit_b_16",
    "convnext_tiny",
    "swin_t",
    "efficientnet_b0",
    "mobilenet_v3_small",
)


def activation_census():
    """Each model's activation modules, counted, and how many times a forward pass calls them
    (a ResNet block calls its one nn.ReLU three times). Built and run on the meta device."""
    import torch
    from torchvision import models

    print(
        "\n谁在用 / who uses which (torchvision 模型的激活层: 模块数 modules / 前向调用次数 calls):"
    )
    for name in CENSUS_MODELS:
        with torch.device("meta"):
            model = models.get_model(name).eval()
        modules, called = {}, []
        for module in model.modules():
            kind = type(module).__name__
            if type(module).__module__ == "torch.nn.modules.activation" and "Attention" not in kind:
                modules[kind] = modules.get(kind, 0) + 1
                module.register_forward_hook(lambda m, i, o, called=called: called.append(m))
        with torch.no_grad():
            model(torch.zeros(1, 3, 224, 224, device="meta"))
        calls = {kind: sum(type(m).__name__ == kind for m in called) for kind in modules}
        counts = ", ".join(f"{kind} {modules[kind]}/{calls[kind]}" for kind in sorted(modules))
        print(f"  {name:<19} {counts}")


# ============================= 初始化与增益 initialisation gains =============================

DEPTH, WIDTH, BATCH = 30, 256, 16
GAIN_ACTIVATIONS = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "gelu", "silu")
AGREE_WITHIN = 0.10  # calculate_gain agrees with the measured (median) gain within 10 %


def activation_function(name):
    import torch
    import torch.nn.functional as F

    return {
        "linear": lambda h: h,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": F.leaky_relu,  # negative_slope 0.01, calculate_gain's default too
        "selu": F.selu,
        "gelu": F.gelu,
        "silu": F.silu,
    }[name]


def seed_draws():
    """For each seed: the input (BATCH × WIDTH, std 1), DEPTH unit weight matrices (std
    1/√fan_in), nn.Linear's default weights and biases (U(−1/√fan_in, 1/√fan_in)) and the vector
    the backward pass starts from. Inputs and that vector are [seeds, ...], weights and biases
    [layer, seeds, ...], so that one layer of every seed is one contiguous bmm operand; float64,
    so that rounding cannot move a printed digit with the thread count."""
    import torch

    bound = 1 / WIDTH**0.5

    def uniform(generator, *shape):
        return (torch.rand(*shape, generator=generator, dtype=torch.float64) * 2 - 1) * bound

    draws = []
    for seed in SEEDS:
        generator = torch.Generator().manual_seed(seed)
        draws.append(
            (
                torch.randn(BATCH, WIDTH, generator=generator, dtype=torch.float64),
                torch.randn(DEPTH, WIDTH, WIDTH, generator=generator, dtype=torch.float64) * bound,
                uniform(generator, DEPTH, WIDTH, WIDTH),
                uniform(generator, DEPTH, 1, WIDTH),
                torch.randn(BATCH, WIDTH, generator=generator, dtype=torch.float64),
            )
        )
    inputs, unit, default, biases, backward_from = zip(*draws)
    by_layer = [torch.stack(parts, dim=1).contiguous() for parts in (unit, default, biases)]
    return (torch.stack(inputs), *by_layer, torch.stack(backward_from))


def run_stack(name, inputs, weights, gains=None, biases=None, backward_from=None):
    """The stack of claims_linear_activations.backward_pass (lab.depth.signal_through), built
    differently: every seed at once, in float64 (the gain search runs it hundreds of times, and
    its digits must not move with the thread count), any gain, and the forward std measured too.

    Through DEPTH layers of z = gain·(h·W) + b, h = act(z), all seeds at once (``gains``: one
    per seed). Returns the std of z at every layer [seeds × DEPTH] and, given ``backward_from``
    (the loss is the sum of the output times it), the size of the backward signal ‖∂L/∂z‖ at the
    first and the last layer [seeds × 2]."""
    import torch

    def layer(index):
        def affine(h):
            z = torch.bmm(h, weights[index])
            if gains is not None:
                z = z * gains.view(-1, 1, 1)
            return z if biases is None else z + biases[index]

        return affine

    readout = None
    if backward_from is not None:
        inputs = inputs.clone().requires_grad_(True)  # so that every z has a gradient
        readout = lambda h: (h * backward_from).sum()  # noqa: E731
    zs = signal_through(inputs, map(layer, range(DEPTH)), activation_function(name), readout)
    stds = torch.stack([z.detach().std(dim=(1, 2)) for z in zs], dim=1)
    if backward_from is None:
        return stds, None
    grads = [zs[0].grad, zs[-1].grad]
    return stds, torch.stack([grad.flatten(1).norm(dim=1) for grad in grads], dim=1)


def steady_gain(name, inputs, unit_weights):
    """For each seed, the gain g with weights g·W that makes the last layer's pre-activation std
    equal the input's (1): regula falsi (Illinois) on log std against log g, bracketed in
    [1/4, 4], every seed at once."""
    import torch

    def log_std(log_gain):
        return run_stack(name, inputs, unit_weights, log_gain.exp())[0][:, -1].log()

    low = torch.full((len(SEEDS),), 0.25, dtype=torch.float64).log()
    high = -low
    f_low, f_high = log_std(low), log_std(high)
    assert bool((f_low < 0).all() and (f_high > 0).all()), f"{name}: no steady gain in [1/4, 4]"
    side = torch.zeros(len(SEEDS))
    for _ in range(100):
        middle = high - f_high * (high - low) / (f_high - f_low)
        f_middle = log_std(middle)
        if f_middle.abs().max() < 1e-8:  # std within 1e-8 of 1: far below what is printed
            break
        above = f_middle > 0
        # Illinois: halve the value kept twice on the same side, so both ends move
        f_low = torch.where(above & (side == 1), f_low / 2, f_low)
        f_high = torch.where(~above & (side == -1), f_high / 2, f_high)
        high, f_high = torch.where(above, middle, high), torch.where(above, f_middle, f_high)
        low, f_low = torch.where(above, low, middle), torch.where(above, f_low, f_middle)
        side = torch.where(above, 1.0, -1.0)
    return middle.exp().tolist()


# How the stack's weights are initialised: name (the figure's legend) → label printed
INIT_LABELS = {
    "default": "默认 / default U(±1/√n)",
    "gain 1": "gain 1",
    "calculate_gain": "calculate_gain",
    "steady": "稳定 / steady (measured)",
}
VANISHES, EXPLODES = 1e-2, 1e2  # ‖∂L/∂z₁‖ / ‖∂L/∂z₃₀‖ below / above these


def gradient_reading(ratios):
    """What the first/last gradient ratios say, only when every seed says it."""
    if all(r < VANISHES for r in ratios):
        return "消失 / vanishes"
    if all(r > EXPLODES for r in ratios):
        return "爆炸 / explodes"
    if all(VANISHES <= r <= EXPLODES for r in ratios):
        return "可用 / usable"
    return "看种子 / depends on the seed"


def init_gains():
    """初始化的增益 / calculate_gain, the gain each activation needs, and nn.Linear's default

    torch.nn.init.calculate_gain's numbers next to gains measured through a 30-layer stack of
    Linear(256, 256): which gain keeps the signal's std steady, what nn.Linear's default
    initialisation (a gain of √(1/3)) does over depth, and what the article's "ReLU 缓解梯度消失"
    needs to hold."""
    known = print_calculate_gain()
    print_default_init()
    draws = seed_draws()
    inputs, unit_weights = draws[:2]
    print(
        f"\n{DEPTH} 层 Linear({WIDTH}, {WIDTH}) + 激活，权重 std = gain/√fan_in，偏置 0（默认初始化"
        f"除外），输入 std 1；{len(SEEDS)} 个种子，中位数 [最低, 最高] / {DEPTH} layers of "
        f"Linear({WIDTH}, {WIDTH}) + activation, weights std gain/√fan_in, biases 0 (but for the "
        f"default init), input std 1; {len(SEEDS)} seeds, median [lowest, highest]."
    )
    measured = steady_gains(known, inputs, unit_weights)
    profiles, readings, spreads = signal_readings(known, measured, draws)
    print_fixed_points(spreads)
    print_what_the_gains_say(measured, readings)
    plots.signal_through_depth(profiles, GAIN_ACTIVATIONS, list(INIT_LABELS))


def print_calculate_gain():
    """torch.nn.init.calculate_gain for each activation; returns the ones it knows."""
    from torch import nn

    print("torch.nn.init.calculate_gain:")
    known = {}
    for name in GAIN_ACTIVATIONS:
        try:
            known[name] = nn.init.calculate_gain(name)
            print(f"  {name:<11} {known[name]:.4f}")
        except ValueError as error:
            print(f"  {name:<11} ValueError: {error}")
    return known


def print_default_init():
    """nn.Linear's default weights, measured over the seeds: U(±1/√fan_in), a gain of √(1/3)."""
    import torch
    from torch import nn

    weights_std, low, high = [], [], []
    for seed in SEEDS:
        torch.manual_seed(seed)
        weight = nn.Linear(WIDTH, WIDTH).weight.detach() * WIDTH**0.5
        weights_std.append(weight.std().item())
        low.append(weight.min().item())
        high.append(weight.max().item())
    print(
        f"\nnn.Linear({WIDTH}, {WIDTH}) 的默认初始化是 kaiming_uniform_(a=√5)，理论上 "
        f"U(−1/√fan_in, 1/√fan_in)，std = gain/√fan_in，gain √(1/3) = {(1 / 3) ** 0.5:.4f} / "
        f"nn.Linear's default init is kaiming_uniform_(a=√5), in theory U(−1/√fan_in, "
        f"1/√fan_in), std = gain/√fan_in, gain √(1/3) = {(1 / 3) ** 0.5:.4f}\n"
        f"  实测（×√fan_in）：最小 {seeds_range(low)}，最大 {seeds_range(high)}，std（= gain）"
        f"{seeds_range(weights_std)} / measured, ×√fan_in: min {seeds_range(low)}, max "
        f"{seeds_range(high)}, std (= gain) {seeds_range(weights_std)}"
    )


def steady_gains(known, inputs, unit_weights):
    """Search each activation's steady gain on every seed; print it beside calculate_gain's and
    return the median."""
    print(
        "稳定增益：让第 30 层激活前的 std 等于输入的 1（每个种子分别搜索）/ the steady gain makes "
        "layer 30's pre-activation std equal the input's 1 (searched per seed)"
    )
    # the header's two lines: the Chinese one, then the English one
    print(
        f"  {pad('激活', 17)}{pad('calculate_gain', 16)}{pad('稳定增益', 26)}"
        f"相差不到 {AGREE_WITHIN:.0%}？"
    )
    print(
        f"  {pad('activation', 17)}{pad('', 16)}{pad('steady gain', 26)}within {AGREE_WITHIN:.0%}?"
    )
    measured = {}
    for name in GAIN_ACTIVATIONS:
        gains = steady_gain(name, inputs, unit_weights)
        measured[name] = sorted(gains)[len(gains) // 2]
        calc = known.get(name)
        if calc is None:
            agrees, calc_text = "—", "refused"
        else:
            close = abs(calc / measured[name] - 1) <= AGREE_WITHIN
            agrees, calc_text = ("是 / yes" if close else "否 / no"), f"{calc:.3f}"
        print(f"  {name:<17}{calc_text:<16}{seeds_range(gains):<26}{agrees}")
    return measured


QUADRATURE_NODES = 101  # Gauss–Hermite nodes: exact for polynomials of degree up to 201
MARGINAL = 1e-6  # a slope this close to 1 is 1: ReLU's and the identity's map is linear in q


def fixed_point(name):
    """The infinite-width steady gain and its stability, by quadrature: with weights of std
    g/√fan_in the pre-activation variance maps q → g²·E[f(√q·z)²], z ~ N(0, 1); at the
    fixed point q = 1, g = 1/√E[f(z)²], and the map's slope there, g²·E[f(z)·f′(z)·z], says
    whether a std a little off 1 comes back (< 1), stays where it is (= 1) or runs away (> 1)."""
    import numpy
    import torch

    nodes, weights = numpy.polynomial.hermite_e.hermegauss(QUADRATURE_NODES)
    z = torch.tensor(nodes, requires_grad=True)
    weights = torch.tensor(weights / weights.sum())  # the N(0, 1) expectation
    f = activation_function(name)(z)
    (slope_of_f,) = torch.autograd.grad(f.sum(), z)
    gain = (weights * f.detach() ** 2).sum().item() ** -0.5
    slope = gain**2 * (weights * f.detach() * slope_of_f * z.detach()).sum().item()
    return gain, slope


def stability(slope):
    """(Chinese, English): what the fixed point's slope says."""
    if abs(slope - 1) < MARGINAL:
        return "任意尺度都保持", "marginal: any scale stays"
    return ("稳定", "stable") if slope < 1 else ("不稳定", "unstable: a knife edge")


def print_fixed_points(spreads):
    """Each activation's infinite-width fixed point, its stability, and how far apart the seeds'
    layer-30 stds ended at the finite-width steady gain (``spreads``: highest / lowest)."""
    print(
        f"\n无限宽的不动点：用高斯–埃尔米特求积（{QUADRATURE_NODES} 个节点）算 g = 1/√E[f(z)²]，"
        "z ~ N(0, 1)，和 q → g²·E[f(√q·z)²] 在 q = 1 处的斜率；最后是稳定增益下各种子第 30 层 std "
        "的最高/最低 / the infinite-width fixed point by Gauss–Hermite quadrature "
        f"({QUADRATURE_NODES} nodes), the slope of that map there, and at the measured steady "
        "gain the seeds' highest / lowest layer-30 std:"
    )
    unstable = []
    for name in GAIN_ACTIVATIONS:
        gain, slope = fixed_point(name)
        chinese, english = stability(slope)
        print(
            f"  {name:<13}g = {gain:.3f}  斜率 {slope:.3f}，{chinese}，std 最高/最低 "
            f"{spreads[name]:.3g} / slope {slope:.3f}, {english}; std highest/lowest "
            f"{spreads[name]:.3g}"
        )
        if slope > 1 + MARGINAL:
            unstable.append(name)
    if unstable:
        print(
            f"  {', '.join(unstable)} 的不动点不稳定：std 偏一点就一层层跑开，不是可以拿来用的"
            f"初始化增益 / the fixed point of {', '.join(unstable)} is unstable: a std a little "
            "off runs away layer by layer, and it is no gain to initialise with"
        )


def signal_readings(known, measured, draws):
    """Each activation under each of INIT_LABELS: layer 30's std and the backward signal's ratio,
    printed; returns the std over depth (median of the seeds), what each ratio says, and at the
    steady gain how far apart the seeds' layer-30 stds are (highest / lowest)."""
    import torch

    inputs, unit_weights, default_weights, default_biases, backward_from = draws
    print(
        f"\n第 30 层的 std 与反向信号之比（< {VANISHES:.0e} 消失，> {EXPLODES:.0e} 爆炸）"
        f"/ layer 30's std and the backward signal's ratio ‖∂L/∂z₁‖ / ‖∂L/∂z₃₀‖"
        f" (< {VANISHES:.0e} vanishes, > {EXPLODES:.0e} explodes):"
    )
    profiles, readings, spreads = {}, {}, {}
    for name in GAIN_ACTIVATIONS:
        for init, label in INIT_LABELS.items():
            if init == "default":
                stds, grads = run_stack(
                    name, inputs, default_weights, None, default_biases, backward_from
                )
            else:
                gain = {"gain 1": 1.0, "calculate_gain": known.get(name)}.get(init, measured[name])
                if gain is None:
                    continue
                gains = torch.full((len(SEEDS),), gain, dtype=torch.float64)
                stds, grads = run_stack(name, inputs, unit_weights, gains, None, backward_from)
            profiles[(name, init)] = stds.median(dim=0).values.tolist()
            if init == "steady":  # how far apart the seeds' layer-30 stds end at that gain
                spreads[name] = (stds[:, -1].max() / stds[:, -1].min()).item()
            ratios = (grads[:, 0] / grads[:, 1]).tolist()
            readings[(name, init)] = gradient_reading(ratios)
            print(
                f"  {name if init == 'default' else '':<11} {pad(label, 24)} "
                f"std {seeds_range(stds[:, -1].tolist()):<24} "
                f"{seeds_range(ratios):<28} {readings[(name, init)]}"
            )
    return profiles, readings, spreads


def print_what_the_gains_say(measured, readings):
    """The default init against the steady gains, and what ReLU needs."""
    vanish = [n for n in GAIN_ACTIVATIONS if readings[(n, "default")] == "消失 / vanishes"]
    below = [n for n in GAIN_ACTIVATIONS if measured[n] > (1 / 3) ** 0.5]
    count = len(GAIN_ACTIVATIONS)
    print(
        f"默认初始化的增益 √(1/3) 低于 {len(below)}/{count} 个稳定增益，{len(vanish)}/{count} 个的"
        f"梯度消失 / the default init's gain √(1/3) is below {len(below)}/{count} steady gains, "
        f"and the gradient vanishes for {len(vanish)}/{count}: {', '.join(vanish)}"
    )
    always = ", ".join(n for n in GAIN_ACTIVATIONS if readings[(n, "steady")] == "消失 / vanishes")
    print(
        f"稳定增益下反向信号仍消失的：{always or '—'}（前向稳定不等于反向稳定）/ still vanishing "
        f"at the steady gain: {always or '—'} (a steady forward signal is not a steady backward "
        "one)"
    )
    default, kaiming = (
        readings[("relu", init)].split(" / ", 1) for init in ("default", "calculate_gain")
    )
    needs_kaiming = default[1] == "vanishes" and kaiming[1] == "usable"
    print(
        f"ReLU：默认初始化下{default[0]}，Kaiming 增益 √2 下{kaiming[0]}"
        + ("；文章的“ReLU 缓解梯度消失”要配 Kaiming 初始化才成立" if needs_kaiming else "")
        + f" / ReLU: {default[1]} under the default init, {kaiming[1]} with Kaiming's gain √2"
        + (
            "; the article's 'ReLU relieves vanishing gradients' holds only with it"
            if needs_kaiming
            else ""
        )
    )


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section(
        "modern-activations",
        "现代激活函数 / GELU, SiLU, Mish, ELU, SELU, Hardswish, Softplus",
        modern_activations,
        figures=("modern_activations", "modern_activation_gradients"),
        options=("each_code_path",),
    ),
    Section(
        "init-gains",
        "初始化的增益 / calculate_gain against measured gains, and nn.Linear's default",
        init_gains,
        figures=("signal_through_depth",),
    ),
]


def add_modern_activations_options(parser):
    parser.add_argument(
        "--each-code-path",
        action="store_true",
        help="--modern-activations: 在这台 CPU 的每条代码路径上量梯度为 0 的边界"
        "（每条路径一个子进程） / measure where y' is 0 on each code path of this CPU"
        " (a child process each)",
    )


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS, add_options=add_modern_activations_options)


if __name__ == "__main__":
    sys.exit(run_command(main))
