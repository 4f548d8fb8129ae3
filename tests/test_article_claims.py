"""lesson3/article_claims.py: each claim's decision, and the errata: the article's statements
that PyTorch contradicts (entries tested elsewhere are listed in lesson3/README.md)."""

import re

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT, load_script, saved_figures


def test_avgpool2d_has_no_dilation_argument():
    # the article lists dilation among nn.AvgPool2d's parameters
    with pytest.raises(TypeError, match="dilation"):
        nn.AvgPool2d((2, 2), stride=(2, 2), dilation=1)
    assert "dilation" not in nn.AvgPool2d.__init__.__code__.co_varnames


def test_pooling_layers_have_no_weights():
    # the article's maxpool code carries a comment copied from the convolution layer:
    # "input:(i, o, size) weights:(o, i , h, w)"
    assert list(nn.MaxPool2d((2, 2), stride=(2, 2)).parameters()) == []
    assert list(nn.AvgPool2d((2, 2), stride=(2, 2)).parameters()) == []


def test_padding_keeps_the_size_only_with_stride_1():
    # the article: "一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变"
    img = torch.zeros(1, 3, 512, 512)
    assert nn.MaxPool2d(2, stride=2, padding=1)(img).shape[-1] == 257  # stride 2 halves anyway
    assert nn.MaxPool2d(3, stride=1, padding=1)(img).shape[-1] == 512
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        nn.MaxPool2d(2, stride=1, padding=2)(img)  # and padding may not exceed kernel / 2


def test_a_transposed_convolution_is_not_an_inverse_convolution():
    # the article calls (c) 反卷积 (deconvolution); PyTorch's docs: "not an actual deconvolution
    # operation as it does not compute a true inverse of convolution"
    torch.manual_seed(0)
    img = torch.rand(1, 1, 4, 4)
    conv = nn.Conv2d(1, 1, 2, stride=2, bias=False)
    deconv = nn.ConvTranspose2d(1, 1, 2, stride=2, bias=False)
    deconv.weight.data = conv.weight.data
    with torch.no_grad():
        assert (deconv(conv(img)) - img).abs().max() > 0.1


def test_sigmoid_reaches_exactly_1_in_float32():
    # "输出值在(0,1)" holds in exact arithmetic; float32 rounds to 1 from x = 16.64
    assert torch.sigmoid(torch.tensor(16.64)).item() == 1.0
    assert torch.sigmoid(torch.tensor(16.63)).item() < 1.0


def number_after(label, out):
    return float(re.search(re.escape(label) + r"\s*(-?[\d.e+-]+)", out).group(1))


def test_three_linear_layers_collapse_into_one_and_a_relu_breaks_that(run_claims):
    code, out, err = run_claims("--linear-collapse")
    assert (code, err) == (0, "")
    assert number_after("largest difference:", out) < 1e-6  # float rounding only (~1e-7)
    assert number_after("with ReLU between them:", out) > 0.1
    assert "nn.Linear 存的是 W 的转置 stores Wᵀ" in out
    assert "结论 verdict: 成立 holds" in out


def parse_invariance_table(out):
    table = {}
    for line in out.splitlines():
        if line.startswith(("shift ", "rotate ")):
            *label, unpooled, max_ratio, avg_ratio, subsample_ratio = line.split()
            table[" ".join(label)] = (float(max_ratio), float(avg_ratio), float(subsample_ratio))
    return table


def test_invariance_numbers_behind_the_errata_entry(run_claims, tmp_path):
    code, out, err = run_claims("--invariance")
    assert (code, err) == (0, "")
    table = parse_invariance_table(out)
    assert len(table) == 14
    max_shift_1, avg_shift_1, _ = table["shift 1 px"]
    assert max_shift_1 < 0.85  # some invariance to a 1-pixel shift ...
    assert table["rotate 1°"][0] > 0.9  # ... little to 1°,
    assert all(table[f"rotate {a}°"][0] > 0.98 for a in range(4, 11))  # none from 4° on
    assert all(abs(row[2] - 1) < 0.03 for row in table.values())  # subsampling alone: ~1
    assert all(row[1] < row[0] for row in table.values())  # averaging smooths more than max
    assert "一次 2×2 最大池化去掉 1 像素平移变化的 20%，旋转变化最多 6%" in out
    assert "> 1 = 池化后变化反而更大" in out and "the share removed is then negative" in out
    assert "结论 verdict: 有条件成立 holds only if: 空间上的 2×2 池化只去掉旋转变化的 6%" in out
    assert saved_figures(tmp_path / "figures") == {"invariance.png"}


def test_pooling_over_orientations_gives_the_rotation_invariance(claims):
    spread = claims.oriented_filters()
    assert spread["one 0° filter"] > 0.9  # one filter: its response falls to ~0 off its angle
    assert spread["max over 8 orientations"] < 0.4  # the max over orientations barely moves


def test_invariance_on_a_flat_image_says_there_is_nothing_to_measure(run_claims, tmp_path):
    from PIL import Image

    Image.new("RGB", (20, 24), (5, 90, 5)).save(tmp_path / "flat.png")
    code, out, err = run_claims("--invariance", "--image", str(tmp_path / "flat.png"))
    assert (code, err) == (0, "")
    assert "nothing changed" in out and "verdict" not in out


@pytest.mark.parametrize("size", [(2, 2), (4000, 2)])
def test_invariance_on_a_tiny_or_degenerate_image_says_it_is_too_small(run_claims, tmp_path, size):
    from PIL import Image

    Image.new("RGB", size, (5, 90, 5)).save(tmp_path / "tiny.png")
    code, out, err = run_claims("--invariance", "--image", str(tmp_path / "tiny.png"))
    assert (code, err) == (0, "")
    assert "too small to measure" in out and "%" not in out


# ================================= every claim, each flag alone ==================================

CLAIMS = load_script("article_claims")


@pytest.fixture(scope="session")
def claim_runs(tmp_path_factory):
    """Each claim's flag run once, alone, from a folder outside the repository:
    {flag: (exit code, stdout, stderr, saved figure names)}."""
    import contextlib
    import io
    import os

    runs = {}
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    start = os.getcwd()
    os.chdir(elsewhere)
    try:
        for section in CLAIMS.SECTIONS:
            out_dir = tmp_path_factory.mktemp("figures-" + section.flag)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = CLAIMS.run_cli(
                    CLAIMS.main, ["--" + section.flag, "--out", str(out_dir), "--no-show"]
                )
            runs["--" + section.flag] = (
                code,
                out.getvalue(),
                err.getvalue(),
                saved_figures(out_dir),
            )
    finally:
        os.chdir(start)
    return runs


@pytest.mark.parametrize("section", CLAIMS.SECTIONS, ids=lambda s: s.flag)
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


def verdicts_of(claim_runs, flag):
    out = claim_runs[flag][1]
    return re.findall(r"结论 verdict: (\S+)", out), out


def test_max_pooling_keeps_salient_values_and_average_pooling_dilutes_them(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--salient-features")
    assert (
        "MaxPool2d(2, 2)          含亮点的窗口中保持 1 的比例 windows keeping the full value: 100%"
        in out
    )
    assert (
        "AvgPool2d(2, 2)          含亮点的窗口中保持 1 的比例 windows keeping the full value: 0%"
        in out
    )
    assert decisions == ["有条件成立"]


def test_pooling_with_stride_2_cuts_values_and_multiply_adds_to_a_quarter(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--downsampling")
    assert "  786,432 个值 values" in out and "  196,608 个值 values" in out
    assert "452,984,832" in out and "113,246,208" in out  # exactly 4×
    assert decisions == ["有条件成立"]


def test_pooling_between_two_convolutions_widens_the_receptive_field(claims):
    import torch.nn as nn

    def conv():
        layer = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        nn.init.constant_(layer.weight, 1 / 9)
        return layer

    assert claims.input_pixels_reaching(nn.Sequential(conv(), conv())).sum() == 25
    pooled = nn.Sequential(conv(), nn.AvgPool2d(2), conv())
    assert claims.input_pixels_reaching(pooled).sum() == 64


def test_pooling_narrows_the_train_test_gap_only_through_the_smaller_linear_layer(claims):
    gap_none = [train - test for train, test in (claims.train_and_test(None, s) for s in range(3))]
    gap_max = [
        train - test
        for train, test in (claims.train_and_test(nn.MaxPool2d(2), s) for s in range(3))
    ]
    assert sum(gap_none) / 3 - sum(gap_max) / 3 > 0.1
    assert list(nn.MaxPool2d(2).parameters()) == []


def test_classic_models_use_overlapping_pooling_as_often_as_not(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--stride")
    assert "nn.MaxPool2d(3).stride = 3" in out
    other = int(re.search(r"stride ≠ kernel: (\d+)", out).group(1))
    assert other >= 5 and "torchvision alexnet        kernel/stride: 3/2, 3/2, 3/2" in out


def test_dilation_spreads_nine_samples_and_segmentation_dilates_convolutions(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--dilation")
    for rate, span in [(1, 3), (2, 5), (3, 7)]:
        assert (
            f"dilation={rate}): 窗口取 9 个像素 samples 9 pixels, 覆盖 spanning {span}×{span}"
            in out
        )
    assert "deeplabv3_resnet50: dilation > 1 的卷积层 convolutions" in out
    assert out.count("池化层 pooling 0") == 2


def test_the_default_divisor_counts_padding(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--avg-divisor")
    assert "0.4444 = 4 / 9" in out
    assert decisions == ["有条件成立"]


def test_maxunpool2d_padding_shrinks_the_output(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--unpool-padding")
    assert "padding=0): 3×3 → 7×7" in out and "padding=1): 3×3 → 5×5" in out
    assert decisions == ["不成立"]


def test_nn_linear_is_affine_and_linear_only_without_bias(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--affine")
    assert "bias=True): f(0) = [[0.5, 0.5, 0.5, 0.5]], f(x + y) == f(x) + f(y): False" in out
    assert "bias=False): f(0) = [[0.0, 0.0, 0.0, 0.0]], f(x + y) == f(x) + f(y): True" in out
    assert decisions == ["有条件成立"]


def test_every_output_of_a_linear_layer_depends_on_every_input(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--fully-connected")
    assert "非零 non-zero: 12 / 12, 等于 equals weight: True" in out and decisions == ["成立"]


def test_gradients_vanish_through_sigmoid_under_every_init_and_through_relu_by_default(claims):
    def ratio(activation, init):
        norms = claims.gradient_norms(activation, init)
        return norms[0] / norms[-1]

    for init in claims.INITS:
        assert ratio(nn.Sigmoid, init) < 1e-4  # layer 1 gets < 1e-4 of layer 10's gradient
    assert ratio(nn.Tanh, "default") < 0.1 and ratio(nn.Tanh, "xavier") > 0.1
    assert ratio(nn.ReLU, "default") < 0.1 and 0.1 < ratio(nn.ReLU, "kaiming") < 10


def test_relu_passes_weight_growth_on_in_full_and_tanh_damps_it(claims):
    base = claims.gradient_norms(nn.ReLU, "kaiming")[0]
    doubled = claims.gradient_norms(nn.ReLU, "kaiming", scale=2)[0]
    assert doubled / base == pytest.approx(2**9, rel=1e-3)  # zero biases: ReLU is homogeneous
    tanh_growth = (
        claims.gradient_norms(nn.Tanh, "kaiming", scale=2)[0]
        / claims.gradient_norms(nn.Tanh, "kaiming")[0]
    )
    assert 1 < tanh_growth < 100


def test_sigmoid_and_relu_outputs_give_one_signed_weight_gradients_and_tanh_does_not(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--zero-mean")
    shares = re.findall(r"with one sign: (\d+)%", out)
    assert shares == ["100", "0", "100"]  # Sigmoid, Tanh, ReLU
    assert decisions == ["成立", "有条件成立"]


def test_dead_relu_units_get_no_gradient_and_the_variants_recover(claims):
    shares, first_grad = claims.dead_unit_shares(nn.ReLU)
    assert first_grad == 0 and shares[-1] == 0.5  # dead, and dead for good
    for activation in (lambda: nn.LeakyReLU(0.1), nn.PReLU, nn.RReLU):
        shares, first_grad = claims.dead_unit_shares(activation)
        assert first_grad > 0 and shares[-1] < 0.4
    natural, _ = claims.dead_unit_shares(nn.ReLU, kill=False)
    assert natural[-1] < 0.05  # in normal training almost none die


def test_the_readme_claims_table_gives_the_verdicts_the_script_prints(claim_runs):
    with open(f"{REPO_ROOT}/lesson3/README.md", encoding="utf-8") as f:
        rows = [line for line in f if line.startswith("| ") and "| `--" in line]
    table = {}
    for row in rows:
        flag = re.search(r"\| `(--[\w-]+)` \|", row)
        if flag and flag.group(1) in {"--" + s.flag for s in CLAIMS.SECTIONS}:
            table[flag.group(1)] = row.split("|")[3].strip()
    assert set(table) == {"--" + s.flag for s in CLAIMS.SECTIONS}
    for flag, documented in table.items():
        decisions, _ = verdicts_of(claim_runs, flag)
        assert documented.split(" / ")[0] == "；".join(decisions), flag


def test_the_articles_typos_name_layers_pytorch_has_under_other_names():
    # "有最大池化和平均池化两张方式" (两种: two kinds), "针对 RuLU" (ReLU)
    assert hasattr(nn, "ReLU") and not hasattr(nn, "RuLU")
    assert {"MaxPool2d", "AvgPool2d"} <= set(dir(nn))
