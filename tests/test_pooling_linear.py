"""The article's pooling and linear sections: exact printed lines, shapes, values and figures."""

import pytest
import torch
import torch.nn as nn
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
        ("--unpool-vs-upsample", {"unpool_vs_upsample.png"}),
        ("--output-size", set()),
        ("--invariance", {"invariance.png"}),
    ],
)
def test_each_flag_alone_saves_only_its_own_figures(run_main, tmp_path, flag, figures):
    code, out, err = run_main(flag)
    assert (code, err) == (0, "")
    saved = {p.name for p in (tmp_path / "figures").iterdir()}
    assert saved == figures
    assert out.count("saved:") == len(figures)
