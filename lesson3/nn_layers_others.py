"""3.3 池化层、线性层和激活函数层 / Pooling, linear and activation layers.

Companion code for the article's chapter 3.3. Each section of the article is a function below,
under the article's heading; a command-line flag picks it (no flag: every section, in article
order). Run ``python lesson3/nn_layers_others.py --list`` to see them.

Each section imports what it uses at its top, like the article's code block, so that ``--help``
and ``--list`` answer without loading torch (which takes seconds).
"""

import argparse
import os
import sys
from typing import Callable, NamedTuple

# common_tools.py sits at the top of the repository: find it from any working directory.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common_tools import (  # noqa: E402
    DEFAULT_OUT_DIR,
    SAMPLE_IMAGE,
    OneLineArgumentParser,
    load_image,
    prepare_output_dir,
    run_cli,
    save_figure,
    set_seed,
    show_figures,
    transform_invert,
    use_figure_backend,
)

# ================================= 池化层 pooling ==================================


def maxpool(img):
    """最大池化：nn.MaxPool2d()"""
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    # convert to tensor
    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2))
    img_pool = maxpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)
    return {"maxpool": before_after_figure(img_raw, img_pool, "MaxPool2d((2, 2), stride=(2, 2))")}


def avgpool(img):
    """nn.AvgPool2d()"""
    import torch
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool_pil = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)

    # 文章中的 4×4 全 1 例子 / the article's 4×4 example
    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    return {
        "avgpool": before_after_figure(img_raw, img_pool_pil, "AvgPool2d((2, 2), stride=(2, 2))")
    }


def divisor_override():
    """加上 divisor_override=3 后 / nn.AvgPool2d(divisor_override=3)"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2), divisor_override=3)
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    return {}


def maxunpool():
    """nn.MaxUnpool2d()"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    # pooling
    img_tensor = torch.randint(high=5, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)

    # unpooling
    img_reconstruct = torch.randn_like(img_pool, dtype=torch.float)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    img_unpool = maxunpool_layer(img_reconstruct, indices)

    print("raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool))
    print("img_reconstruct:\n{}\nimg_unpool:\n{}".format(img_reconstruct, img_unpool))
    # 文章此处误贴了代码，上面才是真实输出 / the article repeats the code here; this is the output
    print("indices:\n{}".format(indices))
    return {"maxunpool": unpool_figure(img_tensor, img_reconstruct, img_unpool, indices)}


# ================================= 线性层 linear ==================================


def linear():
    """线性层"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    inputs = torch.tensor([[1.0, 2, 3]])
    linear_layer = nn.Linear(3, 4)
    linear_layer.weight.data = torch.tensor(
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], [4.0, 4.0, 4.0]]
    )

    linear_layer.bias.data.fill_(0.5)
    output = linear_layer(inputs)
    print(inputs, inputs.shape)
    print(linear_layer.weight.data, linear_layer.weight.data.shape)
    print(output, output.shape)
    print(
        "注 note: 文章显示 AddmmBackward，新版 PyTorch 显示 AddmmBackward0，是同一个反向节点"
        " / the article's AddmmBackward is named AddmmBackward0 in current PyTorch: same node"
    )
    print("y = x·Wᵀ + b: 6.5 = (1 + 2 + 3)·1 + 0.5, 12.5 = (1 + 2 + 3)·2 + 0.5, ...")
    return {}


# ================================= figures (plumbing) ==================================


def before_after_figure(img_raw, img_pool, layer_name):
    """The article's two panels: the image before (left) and after (right) pooling."""
    from matplotlib import pyplot as plt

    fig, (ax_raw, ax_pool) = plt.subplots(1, 2, figsize=(8, 4.4))
    for ax, image, title in ((ax_raw, img_raw, "before"), (ax_pool, img_pool, "after")):
        ax.imshow(image)
        ax.set_title(f"{title}: {image.width}×{image.height}")
    fig.suptitle(layer_name)
    fig.tight_layout()
    return fig


def draw_value_grid(ax, values, title, cell_colors=None, bold=None):
    """Draw a 2-D tensor as a grid of cells with each value written in its cell."""
    values = values.detach().reshape(values.shape[-2], values.shape[-1])
    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            color = cell_colors[r][c] if cell_colors is not None else "white"
            ax.add_patch(_cell(c, r, color))
            weight = "bold" if bold is not None and bold[r][c] else "normal"
            value = values[r, c].item()
            text = (
                f"{value:.0f}" if float(value).is_integer() else f"{value:.4f}"
            )  # as torch prints it
            ax.text(c, r, text, ha="center", va="center", weight=weight)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)


def _cell(x, y, color):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=color, edgecolor="gray")


WINDOW_COLORS = ["#fdd49e", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]


def unpool_figure(img_tensor, img_reconstruct, img_unpool, indices):
    """Where each value went: pooling windows share a colour across the three panels."""
    from matplotlib import pyplot as plt

    height, width = img_tensor.shape[-2:]
    pooled_w = indices.shape[-1]
    flat_indices = indices.reshape(-1).tolist()
    window_color = [[None] * width for _ in range(height)]
    for r in range(height):
        for c in range(width):
            window = (r // 2) * pooled_w + c // 2
            window_color[r][c] = WINDOW_COLORS[window % len(WINDOW_COLORS)]
    is_max = [[r * width + c in flat_indices for c in range(width)] for r in range(height)]
    unpool_color = [
        [window_color[r][c] if is_max[r][c] else "white" for c in range(width)]
        for r in range(height)
    ]
    pooled_color = [
        [WINDOW_COLORS[(r * pooled_w + c) % len(WINDOW_COLORS)] for c in range(pooled_w)]
        for r in range(indices.shape[-2])
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.8))
    draw_value_grid(axes[0], img_tensor, "raw_img (max in bold)", window_color, is_max)
    draw_value_grid(axes[1], img_reconstruct, "img_reconstruct", pooled_color)
    draw_value_grid(axes[2], img_unpool, "img_unpool: values at indices", unpool_color, is_max)
    fig.suptitle("MaxPool2d(return_indices=True) -> MaxUnpool2d: each value goes back to its max")
    fig.tight_layout()
    return fig


# ================================= command line (plumbing) ==================================


class Section(NamedTuple):
    flag: str
    heading: str
    run: Callable
    uses_image: bool = False


SECTIONS = [
    Section("maxpool", "最大池化：nn.MaxPool2d()", maxpool, uses_image=True),
    Section("avgpool", "nn.AvgPool2d()", avgpool, uses_image=True),
    Section("divisor-override", "nn.AvgPool2d(divisor_override=3)", divisor_override),
    Section("maxunpool", "nn.MaxUnpool2d()", maxunpool),
    Section("linear", "线性层 nn.Linear(3, 4)", linear),
]
MIN_IMAGE_SIZE = 2  # the 2×2 pooling kernel must fit at least once


def build_parser():
    parser = OneLineArgumentParser(
        description="3.3 池化层、线性层和激活函数层 — run the article's experiments. "
        "No section flag: every section, in article order.",
    )
    sections = parser.add_argument_group("sections 章节 (any number; none = all)")
    for section in SECTIONS:
        sections.add_argument("--" + section.flag, action="store_true", help=section.heading)
    parser.add_argument("--list", action="store_true", help="列出所有章节 / list the sections")
    parser.add_argument(
        "--image",
        default=SAMPLE_IMAGE,
        metavar="PATH",
        help="要池化的图片 / picture to pool (default: imgs/astronaut.png, 512×512 RGB)",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="保存图片的文件夹 / folder for the PNG figures (default: outputs/ in the repository)",
    )
    parser.add_argument(
        "--show",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="弹出图片窗口 / open figure windows (default: only when a display exists)",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.list:
        for section in SECTIONS:
            print(f"--{section.flag:<20} {section.heading}")
        return 0

    chosen = [s for s in SECTIONS if getattr(args, s.flag.replace("-", "_"))] or SECTIONS
    out_dir = prepare_output_dir(args.out)
    img = None
    if any(section.uses_image for section in chosen):
        img = load_image(args.image, MIN_IMAGE_SIZE, needed_by="2×2 pooling")
    use_figure_backend(args.show)

    for section in chosen:
        print(f"\n==================== {section.heading}  [--{section.flag}] ====================")
        figures = section.run(img) if section.uses_image else section.run()
        for name, fig in figures.items():
            print("已保存图片 saved:", save_figure(fig, out_dir, name))
    show_figures(args.show)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
