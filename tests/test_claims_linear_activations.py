"""lesson3/claims_linear_activations.py: the claims about the linear and activation layers, and
the errata: the article's statements that PyTorch contradicts."""

import functools
import re

import pytest
import torch
import torch.nn as nn
from conftest import verdicts_of


def test_sigmoid_reaches_exactly_1_in_float32():
    # "输出值在(0,1)" holds in exact arithmetic; float32 rounds to 1 from x = 16.635532
    assert torch.sigmoid(torch.tensor(16.635532)).item() == 1.0
    assert torch.sigmoid(torch.tensor(16.63553)).item() < 1.0


def number_after(label, out):
    return float(re.search(re.escape(label) + r"\s*(-?[\d.e+-]+)", out).group(1))


def test_three_linear_layers_collapse_into_one_and_a_relu_breaks_that(run_claims_activations):
    code, out, err = run_claims_activations("--linear-collapse")
    assert (code, err) == (0, "")
    # the difference itself (8.9e-08 here, 1.2e-07 with MKL_CBWR=SSE4_2) changes with the
    # machine's BLAS, so the script prints the bound it is under
    assert "最大差异 < 1e-05（浮点误差，float32 eps 1.2e-07）/ largest difference < 1e-05" in out
    assert number_after("with ReLU between them:", out) > 0.1
    assert "nn.Linear 存的是 W 的转置 stores Wᵀ" in out
    assert (
        "结论 verdict: 成立 holds: 三层的输出与一层相同（最大差异低于 1e-05，只是浮点误差）" in out
    )


def test_nn_linear_is_affine_and_linear_only_without_bias(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--affine")
    assert "bias=True): f(0) = [[0.5, 0.5, 0.5, 0.5]], f(x + y) == f(x) + f(y): False" in out
    assert "bias=False): f(0) = [[0.0, 0.0, 0.0, 0.0]], f(x + y) == f(x) + f(y): True" in out
    assert decisions == ["有条件成立"]


def test_every_output_of_a_linear_layer_depends_on_every_input(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--fully-connected")
    assert "非零 / non-zero: 12 of 12; 等于 weight / equals weight: True" in out
    assert (
        "on 5×5: each output connects to ≤ 9 inputs, 169 of 625 non-zero" in out
        and decisions == ["成立"]
    )


def test_gradients_vanish_through_sigmoid_under_every_init_and_through_relu_by_default(
    claims_activations,
):
    def ratio(activation, init, seed=0):
        signal, _ = claims_activations.backward_pass(activation, init, seed)
        return signal[0] / signal[-1]

    vanished = claims_activations.VANISHED
    for seed in claims_activations.SEEDS:
        for init in claims_activations.INITS:
            assert ratio(nn.Sigmoid, init, seed) < vanished
        assert ratio(nn.Tanh, "default", seed) < vanished < ratio(nn.Tanh, "xavier", seed)
        # the measure tells the three initialisations apart for ReLU, on every seed
        relu = [ratio(nn.ReLU, init, seed) for init in ("default", "xavier", "kaiming")]
        assert relu[0] < vanished < relu[1] < 0.5 < relu[2]


def test_the_weight_gradient_ratio_cannot_tell_xavier_from_kaiming_for_relu(claims_activations):
    # the control behind the old measure's blind spot: zero biases make ReLU homogeneous
    def weight_ratio(init):
        _, weights = claims_activations.backward_pass(nn.ReLU, init, seed=3)
        return weights[0] / weights[-1]

    assert weight_ratio("xavier") == pytest.approx(weight_ratio("kaiming"), rel=1e-4)


def test_the_readout_has_both_signs_and_the_sum_loss_inflates_relus_signal(claims_activations):
    # L = Σ h has an all-positive gradient at the top, which a ReLU stack passes down whole;
    # a random readout's gradient has both signs, as a network's loss has
    def relu_ratio(init, loss):
        signal, _ = claims_activations.backward_pass(nn.ReLU, init, seed=0, loss=loss)
        return signal[0] / signal[-1]

    assert relu_ratio("kaiming", "sum") > 1.5 > relu_ratio("kaiming", "readout") > 0.5
    # the ratio of the two inits is the loss's alike: zero biases make ReLU homogeneous
    assert relu_ratio("kaiming", "sum") / relu_ratio("xavier", "sum") == pytest.approx(
        relu_ratio("kaiming", "readout") / relu_ratio("xavier", "readout"), rel=0.01
    )


def test_the_vanishing_verdicts_and_the_default_gain_are_printed(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--vanishing-gradients")
    assert decisions == ["成立", "有条件成立", "有条件成立"]
    assert "ReLU + Kaiming goes from 0.984 to 2.48" in out and "(22.6× smaller than Kaiming)" in out
    # measured on 20 seeds (it was the mean of 5 unseeded draws, 0.578)
    assert "增益 √(1/3) = 0.577（实测 0.577 [0.575, 0.579], 20 个种子）" in out
    assert "a gain of √(1/3) = 0.577 (measured 0.577 [0.575, 0.579], 20 seeds)" in out
    assert "20 个种子上两者都相等，差别只在浮点误差" in out


def test_relu_passes_weight_growth_on_in_full_and_tanh_damps_it(claims_activations):
    for seed in claims_activations.SEEDS:
        base = claims_activations.backward_pass(nn.ReLU, "kaiming", seed)[1][0]
        doubled = claims_activations.backward_pass(nn.ReLU, "kaiming", seed, scale=2)[1][0]
        assert doubled / base == pytest.approx(2**9, rel=1e-3)  # zero biases: homogeneous
        tanh_growth = (
            claims_activations.backward_pass(nn.Tanh, "kaiming", seed, scale=2)[1][0]
            / claims_activations.backward_pass(nn.Tanh, "kaiming", seed)[1][0]
        )
        assert 1 < tanh_growth < 100


def test_sigmoid_and_relu_outputs_give_one_signed_weight_gradients_and_tanh_does_not(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--zero-mean")
    one_sample = re.findall(r"one sign: one sample (\d+)%", out)
    assert one_sample == ["100", "0", "100"]  # Sigmoid, Tanh, ReLU, one sample a step
    batch = [int(v) for v in re.findall(r"a batch of 256 (\d+)%", out)]
    assert 10 < batch[0] < 60 and batch[1:] == [0, 0]  # a batch mixes signs: the measure tells
    assert decisions == ["成立", "有条件成立"]
    assert "N(1, 1) +0.550 ± 0.004" in out and "输入 N(1, 1) 时均值 0.55。" in out
    assert "20 个随机种子 / 20 seeds" in out


def test_one_sign_share_counts_rows_whose_entries_all_share_a_sign(claims_activations):
    delta = torch.tensor([[1.0, -1.0]])  # one sample, two next-layer neurons
    assert claims_activations.one_sign_share(delta, torch.tensor([[0.5, 0.2, 0.0]])) == 1.0
    assert claims_activations.one_sign_share(delta, torch.tensor([[0.5, -0.2, 0.1]])) == 0.0


def test_dead_relu_units_get_no_gradient_and_the_variants_recover(claims_activations):
    shares, first_grad, _ = claims_activations.dead_unit_shares(nn.ReLU)
    assert first_grad == 0 and shares[-1] == 0.5  # dead, and dead for good
    for activation in (nn.LeakyReLU, nn.PReLU, nn.RReLU):  # their defaults
        shares, first_grad, _ = claims_activations.dead_unit_shares(activation)
        assert first_grad > 0 and shares[-1] < 0.4
    natural, _, _ = claims_activations.dead_unit_shares(nn.ReLU, kill=False)
    assert natural[-1] < 0.05  # with Adam, lr 0.05, none die here ...


def test_the_dead_unit_shares_do_not_hang_on_rounding(claims_activations):
    # A unit coming back crosses 0 slowly: in float32 the step it crossed on moved with the
    # machine's BLAS and with where the tensors lay in memory (LeakyReLU printed 12%–23%, 12%–25%
    # or 12%–28% on one machine), and float32 draws of x differ in the last bit between CPUs.
    # From float64 draws, a nudge of 1e-9 to every weight, millions of times float64's
    # rounding, moves no share; one of 1e-6 does (the control).
    @functools.cache  # the unnudged shares are read twice
    def last_shares(activation, nudge, **training):
        """The share still dead after the last step, for each seed."""
        shares = []
        for seed in claims_activations.SEEDS[:5]:  # five seeds: enough to show a share move
            per_step, _, _ = claims_activations.dead_unit_shares(
                activation, seed=seed, nudge=nudge, **training
            )
            shares.append(per_step[-1])
        return tuple(shares)

    for activation, training in [
        (nn.LeakyReLU, {}),
        (nn.ReLU, {"kill": False, "optimizer": "SGD", "lr": 0.5}),
    ]:
        assert last_shares(activation, 1e-9, **training) == last_shares(activation, 0, **training)
    assert last_shares(nn.LeakyReLU, 1e-6) != last_shares(nn.LeakyReLU, 0)  # the control


def test_large_sgd_steps_kill_relu_units_while_the_loss_falls(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--dead-relu")
    assert (
        "SGD lr 0.3：死单元 0%–72%，loss 下降的种子 20/20 / dead 0%–72%, "
        "seeds whose loss fell 20/20" in out
    )
    assert "SGD lr 0.5：死单元 22%–92%" in out  # ... but large SGD steps kill many
    # with the default negative slope 0.01, LeakyReLU's dead units come back slowly
    assert "LeakyReLU()  200 步后仍死 17%–36%，" in out
    assert decisions == ["有条件成立", "有条件成立"]


def test_the_articles_typos_name_layers_pytorch_has_under_other_names():
    # "有最大池化和平均池化两张方式" (两种: two kinds), "针对 RuLU" (ReLU)
    assert hasattr(nn, "ReLU") and not hasattr(nn, "RuLU")
    assert {"MaxPool2d", "AvgPool2d"} <= set(dir(nn))


def test_a_dead_unit_comes_back_only_where_its_input_changes(claim_runs):
    # the first hidden layer on fixed data: dead for good (the control); a second hidden layer,
    # whose input the first layer keeps changing: some come back
    decisions, out = verdicts_of(claim_runs, "--dead-relu")
    # 48%: on one seed a killed unit's weights reach past its bias -3, alive from the start
    assert "ReLU         200 步后仍死 48%–50%，死单元权重第一步的梯度 0–0 /" in out
    revived = re.search(r"in 20 seeds (\d+)%–(\d+)% were alive again after some step", out)
    assert revived and int(revived.group(2)) > 0
    assert "在第一个隐藏层、数据不变时它永远回不来，更深的层里前一层还在变，它能回来" in out


def test_a_killed_unit_counts_as_dead_only_where_no_input_reaches_it(claims_activations):
    pre_activation = torch.full((256, 64), -1.0, dtype=torch.float64)
    pre_activation[7, 3] = 0.5  # killed (bias -3), but one input reaches past its bias
    pre_activation[:, 40] = 1.0  # alive, not killed
    dead = claims_activations.killed_and_dead(pre_activation)
    assert dead.sum() == 31 and not dead[3] and dead[0] and not dead[32:].any()
    assert claims_activations.dead(pre_activation).sum() == 62


def test_relus_dead_units_stay_dead_on_every_seed_and_none_die_under_adam(claims_activations):
    runs = claims_activations.dead_unit_shares_over_seeds(nn.ReLU, claims_activations.SEEDS)
    for shares, first_grad, _ in runs:
        assert first_grad == 0 and len(set(shares)) == 1 and shares[0] in (0.5, 31 / 64)


def test_rrelus_slopes_side_by_side_are_the_ones_f_rrelu_draws(claims_activations):
    torch.manual_seed(5)
    z = torch.randn(3, 256, 64, dtype=torch.float64)
    states = [torch.manual_seed(seed).get_state() for seed in (7, 8, 9)]
    generators = [torch.Generator().set_state(state) for state in states]
    slopes = claims_activations.rrelu_slopes(z, generators)
    for network, state in enumerate(states):
        torch.set_rng_state(state)
        alone = nn.functional.rrelu(z[network], training=True)
        assert torch.equal(alone, z[network] * slopes[network])
    assert set(slopes[z > 0].tolist()) == {1.0} and slopes[z <= 0].max() < 1 / 3


def test_networks_trained_side_by_side_take_the_steps_each_takes_alone(claims_activations):
    for activation, training in [
        (nn.ReLU, {"kill": False, "optimizer": "SGD", "lr": 0.5}),
        (nn.LeakyReLU, {}),
        (nn.PReLU, {}),
        (nn.RReLU, {}),
    ]:
        together = claims_activations.dead_unit_shares_over_seeds(
            activation, range(3), steps=60, **training
        )
        for seed, (shares, first_grad, losses) in enumerate(together):
            alone = claims_activations.dead_unit_shares(activation, steps=60, seed=seed, **training)
            assert shares == alone[0], (activation, seed)
            assert first_grad == pytest.approx(alone[1], rel=1e-12, abs=1e-15)
            assert losses == pytest.approx(alone[2], rel=1e-9, nan_ok=True)
