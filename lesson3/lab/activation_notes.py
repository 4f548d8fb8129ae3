"""用于 used by nn_layers_others.py (--activations) and beyond_activations.py.

激活函数层的补充 / What the article's activation section leaves out, measured: each layer's
formula and derivative as PyTorch computes them, the ranges autograd measures, where float32
saturates, and the article's mistakes.

nn_layers_others.py --activations prints these next to the article's six activations; the
formulas and errata are checked by tests/test_nn_layers_others.py.
"""

# (formula, derivative, ranges) of the article's first three layers, corrected
FORMULAS = {
    "nn.Sigmoid": ("y = 1 / (1 + e^(-x))", "y' = y·(1 - y)", "y ∈ (0, 1); y' ∈ (0, 0.25]"),
    "nn.Tanh": (
        "y = (e^x - e^(-x)) / (e^x + e^(-x)) = 2 / (1 + e^(-2x)) - 1 = 2·sigmoid(2x) - 1",
        "y' = 1 - y²",
        "y ∈ (-1, 1); y' ∈ (0, 1]",
    ),
    "nn.ReLU": ("y = max(0, x)", "y' = 1 (x > 0), 0 (x < 0)", "y ∈ [0, ∞); y' ∈ {0, 1}"),
}


def describe(name, x, y, dy):
    """Print a layer's formula, derivative, ranges and what autograd measured on the grid x."""
    formula, derivative, ranges = FORMULAS[name]
    print(f"--- {name} ---")
    print(f"  公式 formula:     {formula}")
    print(f"  导数 derivative:  {derivative}")
    print(f"  值域 ranges:      {ranges}")
    print(f"  实测 / measured (float32, x ∈ [-10, 10], step 0.01): {measured(x, y, dy)}")


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


def measured(x, y, dy):
    """y's range, y' as a set (few values) or a range, y'(0), and where y' is largest."""
    distinct = dy.unique()
    if len(distinct) <= 3:
        slopes = "y' ∈ {" + ", ".join(f"{v:.4g}" for v in distinct.tolist()) + "}"
    else:
        slopes = f"y' ∈ [{dy.min():.4g}, {dy.max():.4g}]"
    at_max = x[dy == dy.max()]
    if len(at_max) == 1:
        where = f"x = {at_max.item():.2f}"
    else:
        where = f"x ∈ [{at_max.min():.2f}, {at_max.max():.2f}] ({len(at_max)} points)"
    at_zero = dy[x == 0].item()
    return (
        f"y ∈ [{y.min():.5g}, {y.max():.5g}], {slopes}, y'(0) = {at_zero:.4g}, "
        f"largest y' = {dy.max():.4g} at {where}"
    )


def float32_threshold(is_true, low, high):
    """The smallest float32 x in [low, high] where ``is_true(x)``; it must switch once, from
    False at ``low`` to True at ``high``. Bisection ends at two neighbouring float32 numbers."""
    import torch

    low, high = torch.tensor(low), torch.tensor(high)
    while True:
        middle = (low + high) / 2
        if middle in (low, high):
            return high.item()
        if is_true(middle):
            high = middle
        else:
            low = middle


# A network's tensors are large: their elementwise ops run ATen's vectorised loops, whose float32
# edges can differ from a one-element tensor's scalar code and from one CPU instruction set to
# another. CODE_PATHS are the ATEN_CPU_CAPABILITY values to ask for, from no SIMD up; a CPU
# without one falls back to the best it has, and each child process reports the one it took.
NETWORK_ELEMENTS = 4096  # a batch of 16 × 256 hidden units
CODE_PATHS = ("default", "avx2", "avx512")


def zero_gradient_edge(layer, elements):
    """The float32 x below which ``layer``'s y' is exactly 0, on a tensor of ``elements`` copies
    of x (one element takes the scalar code, thousands the vectorised loops)."""
    import torch

    def slope_is_nonzero(value):
        value = value.repeat(elements).requires_grad_(True)
        (slope,) = torch.autograd.grad(layer(value).sum(), value)
        return bool(slope[0] != 0)

    return float32_threshold(slope_is_nonzero, -1000.0, 0.0)


def edges_on_this_path(layers):
    """{"path": this process's ATen code path, "edges": {name: [one element, a network's]}}
    for each of ``layers`` ({name: layer}): what each child of edges_on_each_path reports."""
    import torch

    edges = {
        name: [zero_gradient_edge(layer, n) for n in (1, NETWORK_ELEMENTS)]
        for name, layer in layers.items()
    }
    return {"path": torch.backends.cpu.get_cpu_capability(), "edges": edges}


def edges_on_each_path():
    """{path: {name: [one element, a network's]}} for beyond_activations.sloped_layers(), from
    one child process per CODE_PATHS entry, each under its ATEN_CPU_CAPABILITY (ATen reads it
    once, at import), keeping each path the CPU has once."""
    import json
    import os
    import subprocess
    import sys

    from lesson_cli.console import run_child

    child = (
        "import json, sys; sys.path[:0] = sys.argv[1:]; import beyond_activations; "
        "from lab.activation_notes import edges_on_this_path; "
        "print(json.dumps(edges_on_this_path(beyond_activations.sloped_layers())))"
    )
    lesson_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = {}
    for path in CODE_PATHS:
        env = dict(os.environ, ATEN_CPU_CAPABILITY=path, OMP_NUM_THREADS="1")
        argv = [sys.executable, "-c", child, lesson_dir, os.path.dirname(lesson_dir)]
        report = run_child(
            argv, f"ATEN_CPU_CAPABILITY={path}", env=env, stdout=subprocess.PIPE, text=True
        )
        measured = json.loads(report.stdout.strip().splitlines()[-1])
        paths.setdefault(measured["path"], measured["edges"])
    return paths


def float32_saturation():
    """Where float32 rounds tanh and sigmoid to their limits, so that y' is exactly 0. Each bound
    is printed as the shortest decimal that is that float32 number, so it is on the right side:
    tanh(9.01084) is 1, and the float32 number just below it is not."""
    import numpy as np
    import torch

    tanh_one = float32_threshold(lambda x: torch.tanh(x) == 1, 0.0, 100.0)
    sigmoid_one = float32_threshold(lambda x: torch.sigmoid(x) == 1, 0.0, 100.0)
    sigmoid_zero = float32_threshold(lambda x: torch.sigmoid(x) > 0, -200.0, 0.0)
    tanh_one, sigmoid_one, sigmoid_zero = (
        np.format_float_positional(np.float32(v)) for v in (tanh_one, sigmoid_one, sigmoid_zero)
    )
    return (
        "float32 饱和，y' 在这里正好是 0 / float32 saturation: y' is exactly 0 there:\n"
        f"  tanh(x) = ±1     for |x| ≥ {tanh_one}\n"
        f"  sigmoid(x) = 1   for x ≥ {sigmoid_one}\n"
        f"  sigmoid(x) = 0   for x < {sigmoid_zero}"
    )


ACTIVATION_ERRATA = """勘误（文章 → PyTorch）/ errata (article → PyTorch):
  nn.Sigmoid: 导数范围 [0, 0.25] → (0, 0.25]，最大值 0.25 在 x = 0 / max 0.25 at x = 0
             (float32 中 y 舍入为 0 或 1 后导数算出 0，见上 / exactly 0 where float32 saturates)
  nn.tanh → nn.Tanh: PyTorch 没有 nn.tanh（函数是 torch.tanh）/ the layer is nn.Tanh
  nn.Tanh: y = sin x / cos x 是 tan x / that is tan x, not tanh x
  nn.Tanh: 分母 e^{-} + e^{-x} 缺了 x，应为 e^x + e^(-x) / the denominator's first term is e^x
  nn.Tanh: 最后一项 2 / (1 + e^(-2x)) + 1 应为 - 1 / the last form ends in - 1, not + 1
  nn.Tanh: 导数范围 (0, 1) → (0, 1]，x = 0 处取到 1 / y'(0) = 1
  nn.ReLU: x = 0 处导数数学上不存在（文章：undefined），PyTorch 的 autograd 取 0
           / undefined at 0 in maths; autograd returns 0
  nn.ReLU: 输出值“均为正数” → 非负，x ≤ 0 时输出 0；导数只在 x > 0 时是 1
           / outputs are non-negative, not positive; the derivative is 1 only for x > 0"""
