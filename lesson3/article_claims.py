"""文章的论断，逐条实测 / The article's claims, each measured, with a verdict.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/article_claims.py --list
    python lesson3/article_claims.py --dead-relu

No flag runs every claim. The article's own code is in nn_layers_others.py.
"""

import os
import sys

LESSON_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

import plots  # noqa: E402

from common_tools import Section, run_cli, run_sections, set_seed  # noqa: E402

HOLDS, HOLDS_IF, DOES_NOT_HOLD = "成立 holds", "有条件成立 holds only if", "不成立 does not hold"


def claim(section, sentence):
    """Print the article's sentence and the section it comes from."""
    print(f"文章 article ({section}): “{sentence}”")


def verdict(decision, chinese, english):
    """Print the verdict and why, in Chinese with English alongside; return the decision."""
    print(f"结论 verdict: {decision}: {chinese}")
    print(f"  / {english}")
    return decision


# ================================= 激活函数层 activations ==================================


def linear_collapse():
    """多个线性层的组合等价于一个线性层 / stacked linear layers are one linear layer"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(
        "激活函数层", "如果没有非线性变换，由于矩阵乘法的结合性，多个线性层的组合等价于一个线性层。"
    )

    x = torch.randn(64, 8)
    layer1, layer2, layer3 = (nn.Linear(8, 8, bias=False) for _ in range(3))

    # Output = X·W1·W2·W3 = X·W. nn.Linear stores the transpose (it computes x·Wᵀ), so the one
    # layer's stored weight is W3ᵀ·... read backwards: layer3.weight @ layer2.weight @ layer1.weight
    one_layer = nn.Linear(8, 8, bias=False)
    one_layer.weight.data = layer3.weight.data @ layer2.weight.data @ layer1.weight.data

    stacked = nn.Sequential(layer1, layer2, layer3)
    stacked_relu = nn.Sequential(layer1, nn.ReLU(), layer2, nn.ReLU(), layer3)
    with torch.no_grad():
        linear_gap = (stacked(x) - one_layer(x)).abs().max().item()
        relu_gap = (stacked_relu(x) - one_layer(x)).abs().max().item()
    print(
        "三个无偏置线性层 vs 一个线性层 / 3 stacked linear layers vs one whose weight is\n"
        "  layer3.weight @ layer2.weight @ layer1.weight (nn.Linear 存的是 W 的转置 stores Wᵀ,\n"
        "  所以文章的 W1·W2·W3 在这里倒过来写 / so the article's W1·W2·W3 reads backwards here)"
    )
    print("  最大差异 largest difference: {:.1e}  (浮点误差 float rounding)".format(linear_gap))
    print(
        "  中间加 ReLU 后 with ReLU between them: {:.4f}  (不再等价 no longer equal)".format(
            relu_gap
        )
    )
    verdict(
        HOLDS,
        "三层的输出与一层相同（只差浮点误差），加入 ReLU 后不再相同。",
        "three layers give one layer's output up to rounding; with ReLU between them they don't.",
    )
    return {}


# ================================= 池化层 pooling ==================================


def invariance(img):
    """池化的平移与旋转不变性实测 / how much pooling absorbs shifts and rotations, measured"""
    import torch
    import torch.nn as nn
    from torchvision import transforms
    from torchvision.transforms import functional as F

    set_seed(1)  # 设置随机种子
    claim("池化层", "另外一点值得注意：pooling也可以提供一些旋转不变性。")

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)  # C*H*W to B*C*H*W
    poolings = {
        "MaxPool2d": nn.MaxPool2d((2, 2), stride=(2, 2)),
        "AvgPool2d": nn.AvgPool2d((2, 2), stride=(2, 2)),
        "x[::2, ::2]": lambda t: t[..., ::2, ::2],  # 只降采样、不池化 / subsampling, no pooling
    }
    bilinear = transforms.InterpolationMode.BILINEAR
    changes = [(f"shift {s} px", lambda t, s=s: torch.roll(t, s, dims=-1)) for s in range(1, 5)]
    changes += [
        (f"rotate {a}°", lambda t, a=a: F.rotate(t, a, interpolation=bilinear))
        for a in range(1, 11)
    ]

    print("相对变化 relative change = mean|pool(T(x)) - pool(x)| / mean|T(x) - x|, 中心区域")
    print(
        "(central half, away from the border); 1 = 池化没有吸收任何变化 / pooling absorbed nothing"
    )
    print(f"{'transform T':<14}{'mean|T(x)-x|':>13}" + "".join(f"{name:>13}" for name in poolings))
    pooled = {name: pool(img_tensor) for name, pool in poolings.items()}
    table = {}
    for label, change in changes:
        moved = change(img_tensor)
        unpooled = central_half(moved - img_tensor).abs().mean()
        table[label] = {
            name: (central_half(pool(moved) - pooled[name]).abs().mean() / unpooled).item()
            for name, pool in poolings.items()
        }
        print(
            f"{label:<14}{unpooled:>13.4f}" + "".join(f"{r:>13.3f}" for r in table[label].values())
        )
    if any(ratio != ratio for row in table.values() for ratio in row.values()):  # NaN: 0 / 0
        print(
            "nan: 图片中心是平的，变换后没有变化可测 / the image centre is flat: nothing to measure"
        )
    else:
        shift_absorbed = 1 - table["shift 1 px"]["MaxPool2d"]
        rotation_absorbed = 1 - min(
            row["MaxPool2d"] for label, row in table.items() if "°" in label
        )
        text = "一次 2×2 最大池化吸收 1 像素平移的 {:.0%}，旋转最多 {:.0%}"
        print("结论 verdict: " + text.format(shift_absorbed, rotation_absorbed))
        text = "one 2×2 max pooling absorbs {:.0%} of a 1-px shift, {:.0%} of a rotation at most"
        print("  / " + text.format(shift_absorbed, rotation_absorbed))
    return {"invariance": plots.invariance(table, list(poolings))}


def central_half(t):
    """The central half of a map in each direction: rolled-in and rotated-in borders stay out,
    and on a pooled map it covers (nearly) the same pixels as on the input."""
    height, width = t.shape[-2:]
    return t[..., height // 4 : height - height // 4, width // 4 : width - width // 4]


# ================================= 命令行 command line ==================================

SECTIONS = [
    Section(
        "invariance",
        "池化层：“pooling也可以提供一些旋转不变性”",
        invariance,
        uses_image=True,
        figures=("invariance",),
    ),
    Section("linear-collapse", "激活函数层：多个线性层的组合等价于一个线性层", linear_collapse),
]


def main(argv=None):
    return run_sections(argv, __doc__.splitlines()[0], SECTIONS)


if __name__ == "__main__":
    sys.exit(run_cli(main))
