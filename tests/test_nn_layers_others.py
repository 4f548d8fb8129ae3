"""lesson3/nn_layers_others.py, the article's code: exact printed lines, shapes, values, figures."""

import math
import re

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT, saved_figures
from PIL import Image

# The article's output blocks, copied from the article.
AVGPOOL_ONES = """raw_img:
tensor([[[[1., 1., 1., 1.],
          [1., 1., 1., 1.],
          [1., 1., 1., 1.],
          [1., 1., 1., 1.]]]])
pooling_img:
tensor([[[[1., 1.],
          [1., 1.]]]])
"""
DIVISOR_OVERRIDE = """raw_img:
tensor([[[[1., 1., 1., 1.],
          [1., 1., 1., 1.],
          [1., 1., 1., 1.],
          [1., 1., 1., 1.]]]])
pooling_img:
tensor([[[[1.3333, 1.3333],
          [1.3333, 1.3333]]]])
"""
# What PyTorch prints for the article's MaxUnpool2d code after set_seed(1). The article shows the
# code a second time where this output belongs (see lesson3/README.md, errata).
MAXUNPOOL = """raw_img:
tensor([[[[0., 4., 4., 3.],
          [3., 3., 1., 1.],
          [4., 2., 3., 4.],
          [1., 3., 3., 0.]]]])
img_pool:
tensor([[[[4., 4.],
          [4., 4.]]]])
img_reconstruct:
tensor([[[[-1.0276, -0.5631],
          [-0.8923, -0.0583]]]])
img_unpool:
tensor([[[[ 0.0000, -1.0276, -0.5631,  0.0000],
          [ 0.0000,  0.0000,  0.0000,  0.0000],
          [-0.8923,  0.0000,  0.0000, -0.0583],
          [ 0.0000,  0.0000,  0.0000,  0.0000]]]])
"""
LINEAR_ARTICLE = """tensor([[1., 2., 3.]]) torch.Size([1, 3])
tensor([[1., 1., 1.],
        [2., 2., 2.],
        [3., 3., 3.],
        [4., 4., 4.]]) torch.Size([4, 3])
tensor([[ 6.5000, 12.5000, 18.5000, 24.5000]], grad_fn=<AddmmBackward>) torch.Size([1, 4])
"""


def test_maxpool_prints_the_articles_shapes_and_saves_its_figure(run_main, tmp_path):
    code, out, err = run_main("--maxpool")
    assert code == 0, err
    assert (
        "池化前尺寸:torch.Size([1, 3, 512, 512])\n池化后尺寸:torch.Size([1, 3, 256, 256])\n" in out
    )
    figure = tmp_path / "figures" / "maxpool.png"
    assert f"saved: {figure}" in out
    with Image.open(figure) as png:
        assert png.format == "PNG" and png.width > 400


def test_avgpool_prints_shapes_and_the_articles_ones_example(run_main, tmp_path):
    code, out, _ = run_main("--avgpool")
    assert code == 0
    assert (
        "池化前尺寸:torch.Size([1, 3, 512, 512])\n池化后尺寸:torch.Size([1, 3, 256, 256])\n" in out
    )
    assert AVGPOOL_ONES in out
    assert (tmp_path / "figures" / "avgpool.png").is_file()


def test_divisor_override_gives_the_articles_1_3333(run_main):
    code, out, _ = run_main("--divisor-override")
    assert code == 0
    assert DIVISOR_OVERRIDE in out
    # 4 ones summed over a 2×2 window, divided by 3 instead of by 4
    pooled = nn.AvgPool2d((2, 2), stride=(2, 2), divisor_override=3)(torch.ones((1, 1, 4, 4)))
    assert torch.allclose(pooled, torch.full((1, 1, 2, 2), 4 / 3))


def test_maxunpool_prints_the_real_output_the_article_left_out(run_main, tmp_path):
    code, out, _ = run_main("--maxunpool")
    assert code == 0
    assert MAXUNPOOL in out
    assert "indices:\ntensor([[[[ 1,  2],\n          [ 8, 11]]]])\n" in out
    assert (tmp_path / "figures" / "maxunpool.png").is_file()


def test_each_section_seeds_itself(lesson, capsys):
    torch.manual_seed(123)  # disturb the generator: the section must not depend on what ran before
    torch.rand(1000)
    lesson.maxunpool()
    assert MAXUNPOOL in capsys.readouterr().out


@pytest.mark.parametrize("seed", range(5))
def test_unpooled_values_sit_at_their_indices_and_everything_else_is_zero(seed):
    torch.manual_seed(seed)
    img_tensor = torch.randint(high=5, size=(2, 3, 6, 8), dtype=torch.float)  # ties included
    img_pool, indices = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)(img_tensor)
    img_reconstruct = torch.randn_like(img_pool)
    img_unpool = nn.MaxUnpool2d((2, 2), stride=(2, 2))(img_reconstruct, indices)

    assert img_unpool.shape == img_tensor.shape
    flat_unpool = img_unpool.flatten(start_dim=2)
    flat_indices = indices.flatten(start_dim=2)
    # each value sits at its index ...
    assert torch.equal(flat_unpool.gather(2, flat_indices), img_reconstruct.flatten(start_dim=2))
    # ... each index is the position of its window's maximum ...
    assert torch.equal(img_tensor.flatten(start_dim=2).gather(2, flat_indices), img_pool.flatten(2))
    # ... and everything else is zero.
    mask = torch.zeros_like(flat_unpool, dtype=torch.bool).scatter_(2, flat_indices, True)
    assert torch.count_nonzero(flat_unpool[~mask]) == 0


def test_linear_prints_the_article_with_addmmbackward0_and_says_why(run_main):
    code, out, _ = run_main("--linear")
    assert code == 0
    expected = LINEAR_ARTICLE.replace("<AddmmBackward>", "<AddmmBackward0>")
    assert expected in out
    assert LINEAR_ARTICLE not in out  # the article's old node name is not what PyTorch prints
    note = next(line for line in out.splitlines() if line.startswith("注 note:"))
    assert "AddmmBackward0" in note and "AddmmBackward，" in note


@pytest.mark.parametrize(
    ("size", "pooled"),
    [((5, 7), (2, 3)), ((3, 3), (1, 1)), ((2, 2), (1, 1)), ((513, 257), (256, 128))],
)
def test_odd_sized_images_pool_with_pytorchs_floor_rounding(run_main, tmp_path, size, pooled):
    width, height = size
    path = tmp_path / "odd.png"
    Image.new("RGB", (width, height), (10, 200, 30)).save(path)
    code, out, err = run_main("--maxpool", "--image", str(path))
    assert code == 0, err
    assert f"池化前尺寸:torch.Size([1, 3, {height}, {width}])" in out
    assert f"池化后尺寸:torch.Size([1, 3, {pooled[1]}, {pooled[0]}])" in out


@pytest.mark.parametrize(
    ("mode", "suffix"), [("L", ".png"), ("RGBA", ".png"), ("P", ".png"), ("RGB", ".jpg")]
)
def test_grayscale_rgba_palette_and_jpeg_images_are_converted_to_rgb(
    run_main, tmp_path, mode, suffix
):
    path = tmp_path / f"picture{suffix}"
    Image.new(mode, (64, 48)).save(path)
    code, out, err = run_main("--avgpool", "--image", str(path))
    assert code == 0, err
    assert "池化后尺寸:torch.Size([1, 3, 24, 32])" in out


@pytest.mark.parametrize(
    ("flag", "figures"),
    [
        ("--maxpool", {"maxpool.png"}),
        ("--avgpool", {"avgpool.png"}),
        ("--divisor-override", set()),
        ("--maxunpool", {"maxunpool.png"}),
        ("--linear", set()),
        ("--activations", {"activation_sigmoid_tanh_relu.png", "activation_relu_variants.png"}),
    ],
)
def test_each_flag_alone_saves_only_its_own_figures(run_main, tmp_path, flag, figures):
    code, out, err = run_main(flag)
    assert (code, err) == (0, "")
    assert saved_figures(tmp_path / "figures") == figures  # no figure: --out is not even created
    assert out.count("saved:") == len(figures)


def test_the_default_run_from_a_foreign_folder_runs_the_six_sections_in_article_order(
    run_main, tmp_path
):
    code, out, err = run_main(out_dir=tmp_path / "out")
    assert (code, err) == (0, "")
    headings = [line for line in out.splitlines() if line.startswith("=====")]
    flags = [heading.split("[")[1].split("]")[0] for heading in headings]
    assert flags == [
        "--maxpool",
        "--avgpool",
        "--divisor-override",
        "--maxunpool",
        "--linear",
        "--activations",
    ]
    assert "池化后尺寸:torch.Size([1, 3, 256, 256])" in out
    assert saved_figures(tmp_path / "out") == {
        "maxpool.png",
        "avgpool.png",
        "maxunpool.png",
        "activation_sigmoid_tanh_relu.png",
        "activation_relu_variants.png",
    }


@pytest.mark.parametrize(
    ("flag", "script"),
    [
        ("--invariance", "lesson3/claims_pooling.py"),
        ("--unpool-vs-upsample", "lesson3/beyond_the_article.py"),
        ("--output-size", "lesson3/beyond_the_article.py"),
    ],
)
def test_a_flag_that_moved_names_the_script_that_has_it_now(run_main, flag, script):
    code, out, err = run_main(flag)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert f"moved to {script}: python {script} {flag}" in err


def test_the_article_file_holds_the_articles_lines():
    # Reads the source on purpose: a learner lays this file beside the article's block, so the
    # article's own lines must stand in it as written (behaviour alone cannot show that).
    with open(f"{REPO_ROOT}/lesson3/nn_layers_others.py", encoding="utf-8") as f:
        source = f.read()
    for articles_line in (
        "from common_tools import transform_invert, set_seed",
        "img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W",
        "maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2))",
        "plt.subplot(122).imshow(img_pool)",
        "plt.subplot(121).imshow(img_raw)",
        "maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)",
        "linear_layer.bias.data.fill_(0.5)",
    ):
        assert articles_line in source


# ================================= 激活函数层 activations ==================================

GRID = torch.arange(-1000, 1001) / 100  # [-10, 10], step 0.01, with x = 0 exactly


@pytest.mark.parametrize(
    ("layer", "closed_form"),
    [
        (nn.Sigmoid(), lambda x, y: y * (1 - y)),
        (nn.Tanh(), lambda x, y: 1 - y**2),
        (nn.ReLU(), lambda x, y: (x > 0).float()),  # autograd's choice at x = 0 is 0
    ],
)
def test_autograd_derivatives_equal_the_closed_forms(lesson, layer, closed_form):
    y, dy = lesson.notes.output_and_gradient(layer, GRID)
    assert torch.allclose(y, layer(GRID))
    assert torch.allclose(dy, closed_form(GRID, y), atol=1e-6)


def test_relu_derivative_at_zero_is_0_in_pytorch(lesson):
    _, dy = lesson.notes.output_and_gradient(nn.ReLU(), torch.tensor([0.0]))
    assert dy.item() == 0.0


def test_sigmoid_derivative_peaks_at_0_25_at_zero_and_is_positive(lesson):
    _, dy = lesson.notes.output_and_gradient(nn.Sigmoid(), GRID.double())
    assert dy.max().item() == 0.25
    assert GRID[dy.argmax()].item() == 0.0
    assert dy.min().item() > 0  # (0, 0.25], not the article's [0, 0.25] ...


def test_sigmoid_derivative_is_exactly_0_in_float32_from_16_635532(lesson):
    x = torch.tensor([16.63553, 16.635532])
    _, dy = lesson.notes.output_and_gradient(nn.Sigmoid(), x)  # ... except where float32 saturates
    assert dy[0].item() > 0 and dy[1].item() == 0.0


def test_tanh_derivative_peaks_at_1_at_zero(lesson):
    _, dy = lesson.notes.output_and_gradient(nn.Tanh(), GRID.double())
    assert dy.max().item() == 1.0 and GRID[dy.argmax()].item() == 0.0
    assert dy.min().item() > 0


def test_tanh_identities_and_the_articles_three_mistakes():
    x = GRID.double()
    tanh = torch.tanh(x)
    assert torch.allclose((x.exp() - (-x).exp()) / (x.exp() + (-x).exp()), tanh)
    assert torch.allclose(2 / (1 + (-2 * x).exp()) - 1, tanh)
    assert torch.allclose(2 * torch.sigmoid(2 * x) - 1, tanh)
    # the article: sin x / cos x (that is tan x) and 2 / (1 + e^(-2x)) + 1 (off by 2)
    assert not torch.allclose(torch.sin(x) / torch.cos(x), tanh)
    assert torch.allclose(2 / (1 + (-2 * x).exp()) + 1 - tanh, torch.full_like(x, 2.0))
    # and the denominator e^{-} + e^{-x}: with e^{-x} twice it is not tanh either
    garbled = (x.exp() - (-x).exp()) / (2 * (-x).exp())
    assert not torch.allclose(garbled, tanh)


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
    assert "measured, eval(): y == 0.2292·x for all 2000 elements: True" in out
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


def test_relu_is_described_by_the_set_of_its_derivatives_and_no_single_argmax(run_main):
    code, out, _ = run_main("--activations")
    relu = next(line for line in out.splitlines() if "y ∈ [0, 10]" in line)
    assert "y' ∈ {0, 1}" in relu and "y' ∈ [0, 1]" not in relu
    assert "largest y' = 1 at x ∈ [0.01, 10.00] (1000 points)" in relu
    assert "at x = 0.01" not in out
    sigmoid = next(line for line in out.splitlines() if "y'(0) = 0.25" in line)
    assert "largest y' = 0.25 at x = 0.00" in sigmoid


def test_float32_saturation_points_are_computed_not_read_off_the_grid(lesson, run_main):
    def just_after(value):  # the float32 number before value is still below the limit
        return torch.nextafter(torch.tensor(value), torch.tensor(-1000.0))

    tanh_one = lesson.notes.float32_threshold(lambda x: torch.tanh(x) == 1, 0.0, 100.0)
    assert torch.tanh(torch.tensor(tanh_one)) == 1 and torch.tanh(just_after(tanh_one)) < 1
    assert 8.5 < tanh_one < 9.5
    sigmoid_one = lesson.notes.float32_threshold(lambda x: torch.sigmoid(x) == 1, 0.0, 100.0)
    assert torch.sigmoid(torch.tensor(sigmoid_one)) == 1
    assert torch.sigmoid(just_after(sigmoid_one)) < 1 and 16 < sigmoid_one < 17.5
    sigmoid_zero = lesson.notes.float32_threshold(lambda x: torch.sigmoid(x) > 0, -200.0, 0.0)
    assert torch.sigmoid(just_after(sigmoid_zero)) == 0 and -110 < sigmoid_zero < -85
    _, out, _ = run_main("--activations")
    # each printed bound is that float32 number exactly, so it is on the right side
    printed = {  # read back as float32, the numbers the statements are about
        label: torch.tensor(float(re.search(re.escape(label) + r" (-?[\d.]+)\n", out)[1])).item()
        for label in ("for |x| ≥", "sigmoid(x) = 1   for x ≥", "sigmoid(x) = 0   for x <")
    }
    assert printed["for |x| ≥"] == tanh_one == 9.01084041595459
    assert printed["sigmoid(x) = 1   for x ≥"] == sigmoid_one == 16.63553237915039
    assert printed["sigmoid(x) = 0   for x <"] == sigmoid_zero == -88.72283172607422
    assert "for |x| ≥ 9.01084\n" in out and "for x ≥ 16.635532\n" in out
    assert "for x < -88.72283\n" in out


def test_the_per_channel_prelu_demo_says_what_its_loss_is(run_main):
    _, out, _ = run_main("--activations")
    assert "nn.PReLU(num_parameters=3)，loss = 输出之和" in out
    assert "grad = the sum of the channel's inputs [-4.0, -8.0, -12.0]" in out
