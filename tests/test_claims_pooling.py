"""lesson3/claims_pooling.py: the claims of the article's 池化层 introduction, each decided
by its numbers."""

import re

import pytest
import torch
import torch.nn as nn
from conftest import saved_figures, verdicts_of


def parse_invariance_table(out):
    table = {}
    for line in out.splitlines():
        if line.startswith(("shift ", "rotate ")):
            *label, unpooled, max_ratio, avg_ratio, subsample_ratio = line.split()
            table[" ".join(label)] = (float(max_ratio), float(avg_ratio), float(subsample_ratio))
    return table


def test_invariance_numbers_behind_the_errata_entry(run_claims_pooling, tmp_path):
    code, out, err = run_claims_pooling("--invariance")
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
    assert (
        "结论 verdict: 有条件成立 holds only if: 空间上的 2×2 最大池化最多只去掉旋转变化的 6%"
        in out
    )
    # the control: noise that moves nothing. Max pooling removes none of it, average pooling
    # half: what average pooling "removes" of a shift or rotation is smoothing
    noise = re.search(r"noise \(20 seeds\)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    max_noise, avg_noise, subsample_noise = map(float, noise.groups())
    assert max_noise > 1 and 0.45 < avg_noise < 0.55 and abs(subsample_noise - 1) < 0.01
    assert "2×2 平均池化去掉平移变化的 26%、旋转变化最多 15%，但随机噪声它去掉 50%" in out
    # noise that max pooling makes larger is said to grow, not "removed −7%"
    assert "随机噪声反而多了 7% / " in out and "and random noise grows by 7%" in out
    # the measure named, and the other one beside it: the root mean square
    assert "max pooling removes 10.6% of the shift's change and 3.9% of a rotation's at most: " \
        "the same verdict" in out  # fmt: skip
    assert saved_figures(tmp_path / "figures") == {"invariance.png"}


def test_the_rms_measure_is_the_root_mean_square_of_the_change(claims_pooling):
    import torch

    x = torch.zeros(1, 1, 8, 8)
    moved = x.clone()
    moved[..., 2:6, 2:6] = torch.tensor([3.0, -4.0]).repeat(8)[:16].reshape(4, 4)
    size, _ = claims_pooling.share_left(x, moved, {}, {}, claims_pooling.root_mean_square)
    assert abs(size - 5 / 2**0.5) < 1e-6  # the central half is the 4×4 change: |3|, |4|
    size, _ = claims_pooling.share_left(x, moved, {}, {})
    assert abs(size - 3.5) < 1e-6  # the mean absolute change


def test_pooling_over_orientations_gives_the_rotation_invariance(claims_pooling):
    spread = claims_pooling.oriented_filters()
    assert spread["one 0° filter"] > 0.9  # one filter: its response falls to ~0 off its angle
    assert spread["max over 8 orientations"] < 0.4  # the max over orientations barely moves


def test_invariance_on_a_flat_image_says_there_is_nothing_to_measure(run_claims_pooling, tmp_path):
    from PIL import Image

    Image.new("RGB", (20, 24), (5, 90, 5)).save(tmp_path / "flat.png")
    code, out, err = run_claims_pooling("--invariance", "--image", str(tmp_path / "flat.png"))
    assert (code, err) == (0, "")
    assert "nothing changed" in out and "verdict" not in out


@pytest.mark.parametrize("size", [(2, 2), (4000, 2)])
def test_invariance_on_a_tiny_or_degenerate_image_says_it_is_too_small(
    run_claims_pooling, tmp_path, size
):
    from PIL import Image

    Image.new("RGB", size, (5, 90, 5)).save(tmp_path / "tiny.png")
    code, out, err = run_claims_pooling("--invariance", "--image", str(tmp_path / "tiny.png"))
    assert (code, err) == (0, "")
    assert "too small to measure" in out and "%" not in out


def test_max_pooling_keeps_salient_values_and_average_pooling_dilutes_them(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--salient-features")
    assert "MaxPool2d(2, 2)          含亮点的窗口中保持 1 的比例 100%，" in out
    assert "AvgPool2d(2, 2)          含亮点的窗口中保持 1 的比例 0%，" in out
    assert decisions == ["有条件成立"]


def test_pooling_with_stride_2_cuts_values_and_multiply_adds_to_a_quarter(claim_runs):
    decisions, out = verdicts_of(claim_runs, "--downsampling")
    assert "  786,432 个值，" in out and "  196,608 个值，" in out
    assert "452,984,832" in out and "113,246,208" in out  # exactly 4×
    assert decisions == ["有条件成立"]


def test_pooling_between_two_convolutions_widens_the_receptive_field(claims_pooling):
    import torch.nn as nn

    def conv():
        layer = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        nn.init.constant_(layer.weight, 1 / 9)
        return layer

    assert claims_pooling.input_pixels_reaching(nn.Sequential(conv(), conv())).sum() == 25
    pooled = nn.Sequential(conv(), nn.AvgPool2d(2), conv())
    assert claims_pooling.input_pixels_reaching(pooled).sum() == 64


def test_pooling_narrows_the_train_test_gap_by_aggregating_not_by_a_smaller_linear_layer(
    claim_runs,
):
    decisions, out = verdicts_of(claim_runs, "--overfitting")
    gaps = {
        name.strip(): float(gap)
        for name, gap in re.findall(r"\n  (.+?) 训练 .*差距 ([+-][\d.]+) ±", out)
    }
    # the control has max pooling's 1024-weight linear layer and no aggregation, and it
    # overfits more than no pooling at all: the smaller layer is not what helps
    assert gaps["x[::2, ::2] 只降采样"] > gaps["nn.Identity() 不池化"] > gaps["MaxPool2d(2)"] + 0.1
    assert decisions == ["有条件成立"] and "不是因为后面的线性层变小" in out
    assert list(nn.MaxPool2d(2).parameters()) == []
    one_by_one = nn.MaxPool2d(1, stride=2)  # the control is x[..., ::2, ::2] exactly
    x = torch.rand(2, 8, 16, 16)
    assert torch.equal(one_by_one(x), x[..., ::2, ::2])
