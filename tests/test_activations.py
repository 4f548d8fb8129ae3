"""激活函数层: autograd derivatives, the corrected formulas and ranges, and the ReLU variants."""

import math

import pytest
import torch
import torch.nn as nn

GRID = torch.arange(-1000, 1001) / 100  # [-10, 10], step 0.01, with x = 0 exactly


def test_three_linear_layers_collapse_into_one_and_a_relu_breaks_that(lesson, capsys):
    linear_gap, relu_gap = lesson.stacked_linear_layers()
    assert linear_gap < 1e-6  # float rounding only (~1e-7)
    assert relu_gap > 0.1
    out = capsys.readouterr().out
    assert f"最大差异 largest difference: {linear_gap:.1e}" in out
    assert f"with ReLU between them: {relu_gap:.4f}" in out


@pytest.mark.parametrize(
    ("layer", "closed_form"),
    [
        (nn.Sigmoid(), lambda x, y: y * (1 - y)),
        (nn.Tanh(), lambda x, y: 1 - y**2),
        (nn.ReLU(), lambda x, y: (x > 0).float()),  # autograd's choice at x = 0 is 0
    ],
)
def test_autograd_derivatives_equal_the_closed_forms(lesson, layer, closed_form):
    y, dy = lesson.output_and_gradient(layer, GRID)
    assert torch.allclose(y, layer(GRID))
    assert torch.allclose(dy, closed_form(GRID, y), atol=1e-6)


def test_relu_derivative_at_zero_is_0_in_pytorch(lesson):
    _, dy = lesson.output_and_gradient(nn.ReLU(), torch.tensor([0.0]))
    assert dy.item() == 0.0


def test_sigmoid_derivative_peaks_at_0_25_at_zero_and_is_positive(lesson):
    _, dy = lesson.output_and_gradient(nn.Sigmoid(), GRID.double())
    assert dy.max().item() == 0.25
    assert GRID[dy.argmax()].item() == 0.0
    assert dy.min().item() > 0  # (0, 0.25], not the article's [0, 0.25] ...


def test_sigmoid_derivative_is_exactly_0_in_float32_from_16_64(lesson):
    x = torch.tensor([16.63, 16.64])
    _, dy = lesson.output_and_gradient(nn.Sigmoid(), x)  # ... except where float32 saturates
    assert dy[0].item() > 0 and dy[1].item() == 0.0


def test_tanh_derivative_peaks_at_1_at_zero(lesson):
    _, dy = lesson.output_and_gradient(nn.Tanh(), GRID.double())
    assert dy.max().item() == 1.0 and GRID[dy.argmax()].item() == 0.0
    assert dy.min().item() > 0


def test_tanh_identities_and_the_articles_two_mistakes():
    x = GRID.double()
    tanh = torch.tanh(x)
    assert torch.allclose((x.exp() - (-x).exp()) / (x.exp() + (-x).exp()), tanh)
    assert torch.allclose(2 / (1 + (-2 * x).exp()) - 1, tanh)
    assert torch.allclose(2 * torch.sigmoid(2 * x) - 1, tanh)
    # the article: sin x / cos x (that is tan x) and 2 / (1 + e^(-2x)) + 1 (off by 2)
    assert not torch.allclose(torch.sin(x) / torch.cos(x), tanh)
    assert torch.allclose(2 / (1 + (-2 * x).exp()) + 1 - tanh, torch.full_like(x, 2.0))


def test_the_article_names_a_layer_pytorch_does_not_have():
    assert not hasattr(nn, "tanh") and hasattr(nn, "Tanh")


def test_relu_outputs_are_non_negative_not_positive():
    y = nn.ReLU()(GRID)
    assert y.min().item() == 0.0 and (y == 0).sum().item() == 1001  # x <= 0 gives 0


def test_default_slopes_of_leakyrelu_prelu_and_rrelu():
    assert nn.LeakyReLU().negative_slope == 0.01
    assert nn.PReLU().weight.item() == 0.25
    assert (nn.RReLU().lower, nn.RReLU().upper) == (1 / 8, 1 / 3)


def test_prelu_slope_gets_a_gradient_and_one_step_moves_it(lesson, capsys):
    prelu, prelu_per_channel = lesson.prelu_learns()
    assert prelu.weight.grad.item() == pytest.approx(-0.625)
    assert prelu.weight.item() == pytest.approx(0.375)  # 0.25 - 0.2 * (-0.625): towards 0.5
    assert prelu_per_channel.weight.shape == (3,)  # one slope per channel
    assert prelu_per_channel.weight.grad.tolist() == [-4.0, -8.0, -12.0]
    assert prelu_per_channel.weight.tolist() == pytest.approx([0.33, 0.41, 0.49])
    assert "a = 0.2500 → 0.3750" in capsys.readouterr().out


def test_rrelu_draws_a_slope_per_element_in_training_and_uses_the_mean_in_eval():
    lower, upper = 1 / 8, 1 / 3
    rrelu = nn.RReLU(lower, upper)
    x = -torch.rand(5000) - 0.1
    rrelu.train()
    slopes = rrelu(x) / x
    assert slopes.min() >= lower - 1e-6 and slopes.max() <= upper + 1e-6
    assert slopes.unique().numel() > 4000  # they differ between elements
    assert not torch.equal(rrelu(x), rrelu(x))  # and between forward passes
    rrelu.eval()
    assert torch.equal(rrelu(x), x * ((lower + upper) / 2))
    assert torch.equal(rrelu(-x), -x)  # the positive half is the identity in both modes


def test_activations_prints_formulas_ranges_and_errata_and_saves_two_figures(run_main, tmp_path):
    code, out, err = run_main("--activations")
    assert (code, err) == (0, "")
    for line in [
        "  公式 formula:     y = 1 / (1 + e^(-x))",
        "  导数 derivative:  y' = y·(1 - y)",
        "  值域 ranges:      y ∈ (0, 1); y' ∈ (0, 0.25]",
        "  公式 formula:     y = (e^x - e^(-x)) / (e^x + e^(-x)) = 2 / (1 + e^(-2x)) - 1"
        " = 2·sigmoid(2x) - 1",
        "  值域 ranges:      y ∈ (-1, 1); y' ∈ (0, 1]",
        "  导数 derivative:  y' = 1 (x > 0), 0 (x < 0)",
    ]:
        assert line + "\n" in out
    assert "y'(0) = 0.25," in out and "y'(0) = 1," in out and "y'(0) = 0," in out
    assert "nn.tanh → nn.Tanh" in out and "PyTorch 的 autograd 取 0" in out
    assert "eval(): 斜率 slope = 0.2292 = (1/8 + 1/3) / 2" in out
    assert math.isclose((1 / 8 + 1 / 3) / 2, 0.2292, abs_tol=5e-5)
    saved = {p.name for p in (tmp_path / "figures").iterdir()}
    assert saved == {"activation_sigmoid_tanh_relu.png", "activation_relu_variants.png"}


def test_relu_variants_print_formulas_defaults_and_autograd_derivatives(run_main):
    code, out, _ = run_main("--activations")
    assert code == 0
    for line in [
        "  导数 derivative:  y' = 1 (x > 0), negative_slope (x < 0)",
        "  默认 default:     negative_slope = 0.01",
        "  实测 autograd:    y' ∈ {0.1, 1}",
        "  默认 default:     init = 0.25",
        "  实测 autograd:    y' ∈ {0.25, 1}",
        "  导数 derivative:  ∂y/∂x = 1 (x > 0), a (x < 0); ∂y/∂a = x (x < 0), 0 (x ≥ 0)",
    ]:
        assert line + "\n" in out
