"""lesson3/lab/verdicts.py and every claims script: each claim alone prints the article's sentence,
its numbers and a verdict, and lesson3/README.md's claims table says what the scripts print."""

import re

import pytest
from conftest import CLAIM_SECTIONS, LESSON_DIR, REPO_ROOT, verdicts_of


@pytest.mark.parametrize("section", CLAIM_SECTIONS, ids=lambda s: s.flag)
def test_each_claim_alone_prints_the_sentence_its_numbers_and_a_verdict(claim_runs, section):
    code, out, err, saved = claim_runs["--" + section.flag]
    assert (code, err) == (0, "")
    assert "文章 article (" in out and "”" in out
    verdicts = re.findall(
        r"结论 verdict: (成立 holds|有条件成立 holds only if|不成立 does not hold)", out
    )
    assert verdicts, out
    assert out.count("\n  / ") >= len(verdicts)  # English alongside each
    assert saved == {name + ".png" for name in section.figures}


def test_the_readme_claims_table_gives_the_verdicts_the_script_prints(claim_runs):
    with open(f"{REPO_ROOT}/lesson3/README.md", encoding="utf-8") as f:
        rows = [line for line in f if line.startswith("| ") and "| `--" in line]
    table = {}
    for row in rows:
        flag = re.search(r"\| `(--[\w-]+)` \|", row)
        if flag and flag.group(1) in {"--" + s.flag for s in CLAIM_SECTIONS}:
            table[flag.group(1)] = row.split("|")[3].strip()
    assert set(table) == {"--" + s.flag for s in CLAIM_SECTIONS}
    for flag, documented in table.items():
        decisions, _ = verdicts_of(claim_runs, flag)
        assert documented.split(" / ")[0] == "；".join(decisions), flag
    # and its why, word for word: each verdict's Chinese as the script prints it
    for row in rows:
        flag = re.search(r"\| `(--[\w-]+)` \|", row)
        if flag and flag.group(1) in table:
            _, out = verdicts_of(claim_runs, flag.group(1))
            printed = re.findall(r"结论 verdict: [^:]+: (.*)", out)
            why = row.strip().split(" | ")[-1].removesuffix(" |").replace("\\|", "|")
            assert why.split("<br>") == printed, flag.group(1)


def test_pad_counts_a_chinese_character_as_two_columns():
    import sys

    sys.path.insert(0, LESSON_DIR)
    from lab.verdicts import pad

    assert pad("abc", 6) == "abc   "
    assert pad("不池化", 8) == "不池化  "  # three characters, six columns
    assert pad("x[::2] 只降采样", 10) == "x[::2] 只降采样"  # already wider: nothing added


@pytest.mark.parametrize("dtype", ["float32", "float64"])  # claims_pooling's, the dead ReLUs'
@pytest.mark.parametrize("name, lr", [("SGD", 0.1), ("Adam", 0.05)])
def test_the_claims_optimizer_is_torch_optims_bit_for_bit(name, lr, dtype):
    import torch
    from torch import nn

    from lab.verdicts import Optimizer

    dtype = getattr(torch, dtype)

    def trained(make_optimizer):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(16, 64), nn.PReLU(), nn.Linear(64, 1)).to(dtype)
        x, y = torch.randn(256, 16).to(dtype), torch.randn(256, 1).to(dtype)
        optimizer = make_optimizer(net.parameters())
        for _ in range(50):
            optimizer.zero_grad()
            nn.functional.mse_loss(net(x), y).backward()
            optimizer.step()
        return torch.cat([p.detach().flatten() for p in net.parameters()])

    by_hand = trained(lambda params: Optimizer(name, params, lr=lr))
    assert torch.equal(by_hand, trained(lambda params: getattr(torch.optim, name)(params, lr=lr)))
    # and the comparison can tell: another learning rate moves the weights
    other = trained(lambda params: getattr(torch.optim, name)(params, lr=lr * 1.001))
    assert not torch.equal(by_hand, other)


# ---------------------------------------------------------------- every outcome is reachable

HOLDS, HOLDS_IF, DOES_NOT = "成立 holds", "有条件成立 holds only if", "不成立 does not hold"


def outcomes(decide, cases):
    """The decisions ``decide`` gives the arguments of each case."""
    return [decide(*args) for args in cases]


def test_each_pooling_claims_verdict_can_come_out_each_way(claims_pooling):
    c = claims_pooling
    three = [HOLDS, HOLDS_IF, DOES_NOT]
    assert outcomes(c.salient_verdict, [(1.0, 1.0), (1.0, 0.0), (0.5, 0.0)]) == three
    small, large = (1, 10), (4, 40)
    cases = [(large, small, small), (large, small, large), (large, large, large)]
    assert outcomes(c.downsampling_verdict, cases) == three
    assert outcomes(
        c.receptive_field_verdict, [((5, 5), (8, 8), (8, 8)), ((5, 5), (8, 8), (5, 5)),
                                    ((5, 5), (5, 5), (5, 5))]
    ) == three  # fmt: skip
    assert outcomes(c.invariance_decision, [(0.6, False), (0.06, True), (0.06, False)]) == three


def test_each_parameter_claims_verdict_can_come_out_each_way(claims_parameters):
    c = claims_parameters
    three = [HOLDS, HOLDS_IF, DOES_NOT]
    by_rule = {(3, 1, 1): (True, 3), (2, 1, 1): (False, 2), (3, 2, 1): (False, 3)}
    every = {key: (True, span) for key, (_, span) in by_rule.items()}
    nothing = {key: (False, span) for key, (_, span) in by_rule.items()}
    assert outcomes(c.padding_verdict, [(every,), (by_rule,), (nothing,)]) == three
    assert outcomes(
        c.divisor_verdict, [(1.0, 4, 9), (4 / 9, 4, 9), (0.5, 4, 9)]
    ) == three  # fmt: skip


def test_each_linear_and_activation_claims_verdict_can_come_out_each_way(claims_activations):
    c = claims_activations
    three = [HOLDS, HOLDS_IF, DOES_NOT]
    assert [
        c.linear_map_verdict(with_bias=a, without_bias=b)
        for a, b in [(True, True), (False, True), (False, False)]
    ] == three
    assert outcomes(c.connected_verdict, [(1.0,), (0.75,), (0.0,)]) == three
    assert outcomes(c.collapse_verdict, [(1e-7, 0.4), (1e-7, 1e-7), (0.1, 0.4)]) == three
    assert outcomes(
        c.all_some_none, [([True, True],), ([True, False],), ([False, False],)]
    ) == three  # fmt: skip
    assert outcomes(c.exploding_verdict, [(False, True), (True, True), (True, False)]) == three
    assert outcomes(
        c.dead_relu_verdict, [(True, True, False), (True, True, True), (False, True, True)]
    ) == three  # fmt: skip
    assert c.dead_relu_verdict(True, False, True) == DOES_NOT  # no setting kills a unit


def test_the_conditional_and_the_variants_verdicts_can_come_out_each_way(claims_activations):
    c = claims_activations
    three = [HOLDS, HOLDS_IF, DOES_NOT]
    cases = [(False, True), (True, False), (False, False)]
    assert outcomes(c.conditional_verdict, cases) == three
    assert outcomes(c.variants_decision, [(True, True), (False, True), (True, False)]) == three


def test_the_overfitting_verdict_reaches_all_three_outcomes(claims_pooling, capsys):
    decide = claims_pooling.overfitting_verdict
    assert decide(0.27, 0.04, 0.05, 0.08) == HOLDS  # the smaller map does, as the article says
    assert decide(0.27, 0.04, 0.35, 0.08) == HOLDS_IF  # aggregation does, the smaller map not
    assert decide(0.27, 0.25, 0.35, 0.08) == DOES_NOT  # within the seeds' spread
    capsys.readouterr()
