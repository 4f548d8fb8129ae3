"""lesson3/beyond_activations.py: today's activations and the gains they need, each number checked
another way than the script computes it."""

import math

import pytest
import torch
from conftest import SCRIPTS, assert_one_line_error, load_script, run_script

module = load_script("beyond_activations")
from lab import activation_notes  # noqa: E402  (load_script puts lesson3 on sys.path)


@pytest.fixture(scope="module")
def printed(section_runs):
    """What each section prints (its run alone, shared with the other tests: conftest.SectionRuns)
    and the names of the figures each saved."""
    runs, figures = {}, {}
    for flag in ("modern-activations", "init-gains"):
        code, out, _, saved = section_runs["beyond_activations", flag]
        assert code == 0
        runs["--" + flag], figures["--" + flag] = out.splitlines(), saved
    return runs, figures


def line_starting(lines, start):
    (line,) = [line for line in lines if line.startswith(start)]
    return line


# ------------------------------------ --modern-activations ------------------------------------


@pytest.mark.parametrize("name", list(module.modern_formulas()))
def test_each_formula_and_its_derivative_is_the_layer_and_autograd(name):
    layer, formula, derivative, _, _ = module.modern_formulas()[name]
    x = torch.arange(-800, 801, dtype=torch.float64) / 100
    x = x[(x != 0) & (x.abs() != 3)]  # where the derivative does not exist for some
    y, dy = module.grid_derivative(layer, x)
    assert torch.allclose(formula(x), y, rtol=0, atol=1e-12)
    assert torch.allclose(derivative(x), dy, rtol=0, atol=1e-12)
    # and the derivative is the formula's slope, by central differences (not by autograd)
    h = 1e-6
    assert torch.allclose((formula(x + h) - formula(x - h)) / (2 * h), dy, rtol=0, atol=1e-6)


def test_the_formula_check_prints_agreement_for_every_activation(printed):
    lines = printed[0]["--modern-activations"]
    checks = [line for line in lines if "|公式 − 层| < 1e-12" in line]
    assert len(checks) == len(module.modern_formulas()) and all(
        line.endswith("y True, y' (autograd) True ✓") for line in checks
    )


def minimum_by_bisection_on_the_derivative(derivative, low, high):
    """Where ``derivative`` crosses 0 from below, by bisection: another way to the minimum."""
    for _ in range(200):
        middle = (low + high) / 2
        if derivative(torch.tensor(middle, dtype=torch.float64)) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@pytest.mark.parametrize(
    "name, minimum, where",
    [
        ("GELU", "-0.1700", "-0.752"),
        ("SiLU", "-0.2785", "-1.278"),
        ("Mish", "-0.3088", "-1.192"),
        ("Hardswish", "-0.3750", "-1.500"),
    ],
)
def test_the_minima_printed_are_where_the_derivative_is_zero(printed, name, minimum, where):
    layer, formula, derivative, _, _ = module.modern_formulas()[name]
    x = minimum_by_bisection_on_the_derivative(derivative, -3.0, 0.0)
    assert f"{x:.3f}" == where and f"{formula(torch.tensor(x, dtype=torch.float64)):.4f}" == minimum
    line = line_starting(printed[0]["--modern-activations"], f"  {name:<11} 最小值")
    assert f"minimum {minimum} at x = {where};" in line


def test_smoothness_bounds_gelu_gap_and_selu_constants_are_printed_as_measured(printed):
    lines = printed[0]["--modern-activations"]
    smooth = ("GELU", "GELU(tanh)", "SiLU", "Mish", "Softplus")
    for name in smooth:
        (shape,) = [
            line for line in lines if line.startswith(f"  {name:<11} ") and "smooth" in line
        ]
        assert "处处光滑 / " in shape and shape.endswith("; smooth everywhere")
    assert "y' 连续，y'' 在 x ≈ [0.0] 跳变" in line_starting(lines, "  ELU         下确界 -1.0000")
    assert "y' 在 x ≈ [0.0] 跳变" in line_starting(lines, "  SELU        下确界 -1.7581")
    assert "y' 在 x ≈ [-3.0, 3.0] 跳变" in line_starting(lines, "  Hardswish   最小值")
    assert line_starting(lines, "  Softplus    下确界 0.0000")
    # GELU's tanh form: the largest gap, computed here on a finer grid
    x = torch.linspace(-6, 6, 120001, dtype=torch.float64)
    gap = (torch.nn.GELU(approximate="tanh")(x) - torch.nn.GELU()(x)).abs()
    assert 4.7e-4 < gap.max() < 4.8e-4
    assert "最大差 largest difference 4.73e-04 at x = -2.699" in "\n".join(lines)
    assert (
        "SELU 的常数（从层量出）：λ = 1.0507009874，α = 1.6732632424 / SELU's constants, "
        "measured from the layer: λ = 1.0507009874, α = 1.6732632424" in lines
    )


def test_float32_zeroes_the_gradient_where_printed_and_not_just_before(printed):
    lines = printed[0]["--modern-activations"]
    for name, (layer, *_) in module.modern_formulas().items():
        if name == "Hardswish":
            continue
        edge = float(line_starting(lines, f"  {name:<11} x < ").split("x < ")[1])
        # every x below the printed edge: the float32 just below it too ("x < −88.72" named
        # −88.7201, whose slope is not 0: the edge is −88.72283)
        just_below = torch.nextafter(torch.tensor(edge), torch.tensor(-math.inf)).item()
        for x, zero in ((just_below, True), (edge * 1.001, True), (edge * 0.999, False)):
            x = torch.tensor(x, requires_grad=True)
            (slope,) = torch.autograd.grad(layer(x), x)
            assert (slope.item() == 0) == zero, (name, x)
    assert module.rounded_away_from_zero(-88.72283) == "-88.73"
    assert module.rounded_away_from_zero(-103.97208) == "-104.0"


def test_a_networks_tensor_takes_other_code_with_another_edge_than_one_element():
    # issue 26: the printed edges were a one-element tensor's; 4096 elements run the vectorised
    # loops, where exact GELU's y' is 0 from -6.1514 on (on every x86 path ATen has)
    gelu = torch.nn.GELU()
    one, many = (module.zero_gradient_edge(gelu, n) for n in (1, module.NETWORK_ELEMENTS))
    assert round(one, 2) == -14.34 and round(many, 3) == -6.151
    for x, zero in ((many * 1.001, True), (many * 0.999, False)):
        x = torch.full((module.NETWORK_ELEMENTS,), x, requires_grad=True)
        (slope,) = torch.autograd.grad(gelu(x).sum(), x)
        assert bool((slope == 0).all()) == zero and bool((slope == 0).any()) == zero
    one_tensor = torch.tensor([many * 1.001], requires_grad=True)
    (slope,) = torch.autograd.grad(gelu(one_tensor).sum(), one_tensor)
    assert slope.item() != 0  # the scalar code still has a slope there


def test_each_code_path_is_measured_in_its_own_process(monkeypatch):
    # the native path (AVX-512 or AVX2 here) and ATen's no-SIMD one; each child reports its path
    monkeypatch.setattr(activation_notes, "CODE_PATHS", ("default", "avx512"))
    paths = activation_notes.edges_on_each_path()
    no_simd, native = paths  # the no-SIMD path: "DEFAULT" in torch 2.14, "NO AVX" in 2.3
    assert native == torch.backends.cpu.get_cpu_capability() != no_simd
    assert round(paths[no_simd]["GELU"][1], 3) == round(paths[native]["GELU"][1], 3) == -6.151
    assert round(paths[no_simd]["GELU(tanh)"][1], 3) == -5.158
    if native in ("AVX2", "AVX512"):
        assert round(paths[native]["GELU(tanh)"][1], 3) == -5.061
        assert round(paths[native]["Mish"][1], 2) == -102.87


def test_each_code_path_table_names_the_edges_that_differ(monkeypatch, capsys):
    names = ("GELU", "GELU(tanh)", "SiLU", "Mish", "ELU", "SELU", "Softplus")
    same = dict.fromkeys(names, [-104.0, -104.0])
    # -88.72283 and -88.7229 round to the same printed edge: not a difference
    paths = {
        "DEFAULT": {**same, "GELU": [-14.3439, -6.1514], "SiLU": [-88.72283, -88.72283]},
        "AVX2": {**same, "GELU": [-14.3439, -6.1514], "SiLU": [-88.7229, -88.72283]},
    }
    monkeypatch.setattr(module, "edges_on_each_path", lambda: paths)
    module.print_zero_gradients(module.modern_formulas(), each_code_path=True)
    lines = capsys.readouterr().out.splitlines()
    assert "  路径 paths (ATEN_CPU_CAPABILITY): DEFAULT, AVX2" in lines
    assert "  GELU        -14.35    -6.152       -6.152" in lines
    assert lines[-2] == "  边界随代码路径而变 / the edge depends on the code path: GELU"
    assert lines[-1].endswith("the same on every path: GELU(tanh), SiLU, Mish, ELU, SELU, Softplus")
    paths["AVX2"]["SiLU"] = [-88.72283, -88.9]
    module.print_zero_gradients(module.modern_formulas(), each_code_path=True)
    assert capsys.readouterr().out.splitlines()[-2].endswith("code path: GELU, SiLU")
    monkeypatch.setattr(module, "edges_on_each_path", lambda: {"DEFAULT": same})
    module.print_zero_gradients(module.modern_formulas(), each_code_path=True)
    assert capsys.readouterr().out.splitlines()[-2].endswith("code path: -")


def test_each_code_path_goes_with_modern_activations_only(tmp_path):
    argv = ("--init-gains", "--each-code-path")
    result = run_script(*argv, cwd=tmp_path, script=SCRIPTS["beyond_activations"])
    assert_one_line_error(result, "--each-code-path goes with --modern-activations", code=2)


def test_the_census_counts_modules_and_calls_as_the_architectures_say(printed):
    lines = printed[0]["--modern-activations"]
    expected = {
        # stem + 16 bottlenecks, each calling its one ReLU three times
        "resnet50": "ReLU 17/49",
        "vit_b_16": "GELU 12/12",  # one per encoder block's MLP
        "convnext_tiny": "GELU 18/18",  # 3 + 3 + 9 + 3 blocks
        "swin_t": "GELU 12/12",  # 2 + 2 + 6 + 2 blocks
        "efficientnet_b0": "SiLU 49/49, Sigmoid 16/16",  # 16 MBConv blocks' squeeze-excitation
        "mobilenet_v3_small": "Hardsigmoid 9/9, Hardswish 19/19, ReLU 14/14",
    }
    for name, counts in expected.items():
        assert line_starting(lines, f"  {name} ").split(None, 1)[1] == counts


# ----------------------------------------- --init-gains ----------------------------------------


def test_calculate_gain_is_printed_as_torch_returns_it_and_refuses_gelu_and_silu(printed):
    lines = printed[0]["--init-gains"]
    for name in ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        gain = torch.nn.init.calculate_gain(name)
        assert f"  {name:<11} {gain:.4f}" in lines
    assert "  gelu        ValueError: Unsupported nonlinearity gelu" in lines
    assert "  silu        ValueError: Unsupported nonlinearity silu" in lines


def test_nn_linear_default_is_uniform_with_std_one_over_root_three_fan_in(printed):
    line = line_starting(printed[0]["--init-gains"], "  实测（×√fan_in）")
    assert "min -1 [-1, -1], max 1 [1, 1]" in line
    median = float(line.split("std (= gain) ")[1].split()[0])
    assert abs(median - math.sqrt(1 / 3)) < 0.005


def steady(lines, name):
    row = line_starting(lines, f"  {name:<17}")
    return float(row.split()[2]), row.split()[-1]


def test_the_steady_gain_tells_the_activations_apart_and_matches_theory(printed):
    lines = printed[0]["--init-gains"]
    # the control: with no activation the steady gain is 1; ReLU halves the variance: √2
    assert steady(lines, "linear") == (1.0, "yes")
    assert abs(steady(lines, "relu")[0] - math.sqrt(2)) < 0.01
    assert abs(steady(lines, "selu")[0] - 1.0) < 0.01 and steady(lines, "selu")[1] == "no"
    assert steady(lines, "sigmoid")[1] == "no" and steady(lines, "tanh")[1] == "yes"
    # tanh: the gain whose fixed point is std 1 solves g²·E[tanh(z)²] = 1, z ~ N(0, 1)
    z = torch.randn(2_000_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for name, act in (("tanh", torch.tanh), ("sigmoid", torch.sigmoid)):
        theory = 1 / act(z).pow(2).mean().sqrt().item()
        assert abs(steady(lines, name)[0] / theory - 1) < 0.04, (name, theory)
    for name in ("gelu", "silu"):
        assert steady(lines, name)[1] == "—"
        assert 1.3 < steady(lines, name)[0] < 1.7


def test_the_readings_over_depth_are_computed_from_each_seed(printed):
    lines = printed[0]["--init-gains"]
    assert module.gradient_reading([1e-3, 5e-3]) == "消失 / vanishes"
    assert module.gradient_reading([1e-3, 0.5]) == "看种子 / depends on the seed"
    assert module.gradient_reading([2e2, 1e3]) == "爆炸 / explodes"
    text = "\n".join(lines)
    assert "8/8 个的梯度消失 / " in text and "the gradient vanishes for 8/8" in text
    assert "still vanishing at the steady gain: sigmoid " in text
    assert line_starting(lines, "ReLU：默认初始化下消失，Kaiming 增益 √2 下可用；")
    assert "ReLU: vanishes under the default init, usable with Kaiming's gain √2" in text


def test_the_infinite_width_fixed_point_is_the_quadrature_of_theory(printed):
    # by Monte Carlo, the other way: g = 1/√E[f(z)²] over two million normal draws
    z = torch.randn(2_000_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for name, expected in [("gelu", 1.534), ("silu", 1.677), ("sigmoid", 1.846), ("relu", 2**0.5)]:
        gain, _ = module.fixed_point(name)
        assert abs(gain - expected) < 5e-4, name
        sampled = 1 / module.activation_function(name)(z).pow(2).mean().sqrt().item()
        assert abs(gain / sampled - 1) < 2e-3, name
    # the slope tells the three kinds apart: ReLU is homogeneous (any scale stays), tanh
    # pulls a std back, GELU and SiLU push it away
    assert abs(module.fixed_point("relu")[1] - 1) < 1e-9 and module.fixed_point("tanh")[1] < 0.5
    assert module.fixed_point("gelu")[1] > 1.1 and module.fixed_point("silu")[1] > 1.1
    assert [module.stability(s)[1] for s in (1.0, 0.46, 1.17)] == [
        "marginal: any scale stays", "stable", "unstable: a knife edge"]  # fmt: skip
    lines = printed[0]["--init-gains"]
    row = line_starting(lines, "  silu         g = 1.677  斜率 1.173，不稳定")
    # at the finite-width steady gain the unstable ones' layer-30 stds spread far, the stable
    # ones' do not: the control for "unstable"
    spread = {
        n: float(line_starting(lines, f"  {n:<13}g = ").split()[-1])
        for n in ("tanh", "sigmoid", "gelu", "silu")
    }
    assert max(spread["tanh"], spread["sigmoid"]) < 1.2 < 2 < min(spread["gelu"], spread["silu"])
    assert row and "gelu, silu 的不动点不稳定" in "\n".join(lines)


def test_both_sections_save_their_figures(printed):
    assert printed[1] == {
        "--modern-activations": {"modern_activations.png", "modern_activation_gradients.png"},
        "--init-gains": {"signal_through_depth.png"},
    }


def test_an_unknown_flag_is_one_line(tmp_path):
    result = run_script("--gelu", cwd=tmp_path, script=SCRIPTS["beyond_activations"])
    assert_one_line_error(result, "--gelu", code=2)


def test_the_gains_lesson3_readme_quotes_are_the_ones_printed(printed):
    import os
    import re

    from conftest import REPO_ROOT

    with open(os.path.join(REPO_ROOT, "lesson3", "README.md"), encoding="utf-8") as file:
        measured = file.read().split("实测 / measured (20 seeds)")[1].split("\n\n")[0]
    measured = " ".join(measured.split())
    quoted = dict(
        (name.lower(), value)
        for value, name in re.findall(r"(\d\.\d+) (?:with|for) (no activation|\w+)", measured)
    )
    quoted["linear"] = quoted.pop("no activation")
    assert set(quoted) == {"linear", "relu", "tanh", "sigmoid", "selu", "gelu", "silu"}
    for name, value in quoted.items():
        assert float(value) == round(steady(printed[0]["--init-gains"], name)[0], 2), name
