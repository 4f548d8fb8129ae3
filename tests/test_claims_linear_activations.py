"""lesson3/claims_linear_activations.py: the claims about the linear and activation layers, and
the errata: the article's statements that PyTorch contradicts."""

import re

import pytest
import torch
import torch.nn as nn
from conftest import verdicts_of


def test_sigmoid_reaches_exactly_1_in_float32():
    # "输出值在(0,1)" holds in exact arithmetic; float32 rounds to 1 from x = 16.64
    assert torch.sigmoid(torch.tensor(16.64)).item() == 1.0
    assert torch.sigmoid(torch.tensor(16.63)).item() < 1.0


def number_after(label, out):
    return float(re.search(re.escape(label) + r"\s*(-?[\d.e+-]+)", out).group(1))


def test_three_linear_layers_collapse_into_one_and_a_relu_breaks_that(run_claims_activations):
    code, out, err = run_claims_activations("--linear-collapse")
    assert (code, err) == (0, "")
    assert number_after("largest difference:", out) < 1e-6  # float rounding only (~1e-7)
    assert number_after("with ReLU between them:", out) > 0.1
    assert "nn.Linear 存的是 W 的转置 stores Wᵀ" in out
    assert "结论 verdict: 成立 holds" in out


def test_nn_linear_is_affine_and_linear_only_without_bias(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--affine")
    assert "bias=True): f(0) = [[0.5, 0.5, 0.5, 0.5]], f(x + y) == f(x) + f(y): False" in out
    assert "bias=False): f(0) = [[0.0, 0.0, 0.0, 0.0]], f(x + y) == f(x) + f(y): True" in out
    assert decisions == ["有条件成立"]


def test_every_output_of_a_linear_layer_depends_on_every_input(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--fully-connected")
    assert "非零 non-zero: 12 / 12, 等于 equals weight: True" in out and decisions == ["成立"]


def test_gradients_vanish_through_sigmoid_under_every_init_and_through_relu_by_default(
    claims_activations,
):
    def ratio(activation, init):
        norms = claims_activations.gradient_norms(activation, init)
        return norms[0] / norms[-1]

    for init in claims_activations.INITS:
        assert ratio(nn.Sigmoid, init) < 1e-4  # layer 1 gets < 1e-4 of layer 10's gradient
    assert ratio(nn.Tanh, "default") < 0.1 and ratio(nn.Tanh, "xavier") > 0.1
    assert ratio(nn.ReLU, "default") < 0.1 and 0.1 < ratio(nn.ReLU, "kaiming") < 10


def test_relu_passes_weight_growth_on_in_full_and_tanh_damps_it(claims_activations):
    base = claims_activations.gradient_norms(nn.ReLU, "kaiming")[0]
    doubled = claims_activations.gradient_norms(nn.ReLU, "kaiming", scale=2)[0]
    assert doubled / base == pytest.approx(2**9, rel=1e-3)  # zero biases: ReLU is homogeneous
    tanh_growth = (
        claims_activations.gradient_norms(nn.Tanh, "kaiming", scale=2)[0]
        / claims_activations.gradient_norms(nn.Tanh, "kaiming")[0]
    )
    assert 1 < tanh_growth < 100


def test_sigmoid_and_relu_outputs_give_one_signed_weight_gradients_and_tanh_does_not(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--zero-mean")
    shares = re.findall(r"with one sign: (\d+)%", out)
    assert shares == ["100", "0", "100"]  # Sigmoid, Tanh, ReLU
    assert decisions == ["成立", "有条件成立"]


def test_dead_relu_units_get_no_gradient_and_the_variants_recover(claims_activations):
    shares, first_grad = claims_activations.dead_unit_shares(nn.ReLU)
    assert first_grad == 0 and shares[-1] == 0.5  # dead, and dead for good
    for activation in (lambda: nn.LeakyReLU(0.1), nn.PReLU, nn.RReLU):
        shares, first_grad = claims_activations.dead_unit_shares(activation)
        assert first_grad > 0 and shares[-1] < 0.4
    natural, _ = claims_activations.dead_unit_shares(nn.ReLU, kill=False)
    assert natural[-1] < 0.05  # in normal training almost none die


def test_the_articles_typos_name_layers_pytorch_has_under_other_names():
    # "有最大池化和平均池化两张方式" (两种: two kinds), "针对 RuLU" (ReLU)
    assert hasattr(nn, "ReLU") and not hasattr(nn, "RuLU")
    assert {"MaxPool2d", "AvgPool2d"} <= set(dir(nn))
