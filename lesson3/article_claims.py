"""文章的论断，逐条实测 / The article's claims, each measured, with a verdict.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/article_claims.py --list
    python lesson3/article_claims.py --dead-relu --vanishing-gradients

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


# ================================= 池化层 pooling ==================================

POOLING = "池化层"


def salient_features():
    """池化层：“保留显著特征”"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(POOLING, "池化的作用则体现在降采样：保留显著特征、降低特征维度，增大kernel的感受野。")

    # 200 bright single pixels (value 1) on a dark 64×64 map: how many survive 2×2 pooling?
    spots = torch.zeros(1, 1, 64, 64)
    where = torch.randperm(64 * 64)[:200]
    spots.view(-1)[where] = 1.0
    pooled = {
        "MaxPool2d(2, 2)": nn.MaxPool2d(2, 2)(spots),
        "AvgPool2d(2, 2)": nn.AvgPool2d(2, 2)(spots),
        "x[::2, ::2] 只降采样": spots[..., ::2, ::2],
    }
    windows = spots.view(1, 1, 32, 2, 32, 2).amax(dim=(3, 5)) > 0  # windows holding a spot
    kept = {}
    print("200 个亮点（值 1）在 64×64 的暗图上 / 200 bright pixels on a dark 64×64 map:")
    for name, result in pooled.items():
        kept[name] = (result[windows] == 1).float().mean().item()
        print(
            f"  {name:<24} 含亮点的窗口中保持 1 的比例 windows keeping the full value: "
            f"{kept[name]:.0%}, 最大值 largest value {result.max():.2f}"
        )
    holds_for_max = kept["MaxPool2d(2, 2)"] == 1 and kept["AvgPool2d(2, 2)"] < 0.5
    verdict(
        HOLDS_IF if holds_for_max else DOES_NOT_HOLD,
        "最大池化保留每个窗口里最强的响应；平均池化把它稀释成 1/4，只降采样会丢掉大部分。",
        "max pooling keeps each window's strongest response; average pooling dilutes it to 1/4 "
        "and plain subsampling drops most of them.",
    )
    return {}


def downsampling(img):
    """池化层：“降低特征维度”“简化网络计算复杂度”"""
    import torch.nn as nn
    from torchvision import transforms

    claim(POOLING, "使特征图变小，简化网络计算复杂度 … 降低特征维度")

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)
    rows = {
        "不池化 no pooling": img_tensor,
        "MaxPool2d(2, stride=2)": nn.MaxPool2d(2, 2)(img_tensor),
        "MaxPool2d(3, stride=1, padding=1)": nn.MaxPool2d(3, 1, 1)(img_tensor),
    }
    print("下一层 the next layer: Conv2d(3, 64, kernel_size=3, padding=1)")
    counts = {}
    for name, x in rows.items():
        height, width = x.shape[-2:]
        macs = height * width * 64 * 3 * 3 * 3  # one multiply-add per weight per output pixel
        counts[name] = (x.numel(), macs)
        print(
            f"  {name:<36} shape {tuple(x.shape)}, {x.numel():>9,} 个值 values, "
            f"下一层乘加 next layer's multiply-adds {macs:>12,}"
        )
    before, after, same = counts.values()
    verdict(
        HOLDS_IF if before[1] == 4 * after[1] and same == before else DOES_NOT_HOLD,
        "stride > 1 时才成立：2×2、步长 2 让值和下一层的乘加次数都变为 1/4；stride=1 时尺寸不变；"
        "池化从不改变通道数。",
        "only with stride > 1: 2×2 with stride 2 cuts the values and the next layer's "
        "multiply-adds to 1/4; stride 1 keeps the size; pooling never changes the channel count.",
    )
    return {}


def input_pixels_reaching(net, size=32):
    """Which input pixels reach the centre output of ``net``: where the gradient is non-zero."""
    import torch

    x = torch.rand(1, 1, size, size, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    return x.grad[0, 0] != 0


def receptive_field():
    """池化层：“增大kernel的感受野”"""
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(POOLING, "池化的作用则体现在降采样：保留显著特征、降低特征维度，增大kernel的感受野。")

    def conv():
        layer = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        nn.init.constant_(layer.weight, 1 / 9)  # positive weights: no gradient cancels out
        return layer

    nets = {
        "conv → conv": nn.Sequential(conv(), conv()),
        "conv → AvgPool2d(2) → conv": nn.Sequential(conv(), nn.AvgPool2d(2), conv()),
        "conv → MaxPool2d(2) → conv": nn.Sequential(conv(), nn.MaxPool2d(2), conv()),
    }
    masks = {name: input_pixels_reaching(net) for name, net in nets.items()}
    for name, mask in masks.items():
        rows, cols = mask.nonzero().unbind(1)
        span = f"{rows.max() - rows.min() + 1}×{cols.max() - cols.min() + 1}"
        print(
            f"  {name:<28} 影响中心输出的输入像素 input pixels reaching the centre output: "
            f"{int(mask.sum()):>3}, 范围 spanning {span}"
        )
    print(
        "  最大池化的梯度只流向每个窗口的最大值，所以在一张具体的图上到达的像素更少；\n"
        "  能影响输出的范围与平均池化相同\n"
        "  / max pooling passes the gradient only to each window's maximum, so on a\n"
        "  given input fewer pixels are reached, within the same span as average pooling"
    )
    grows = masks["conv → AvgPool2d(2) → conv"].sum() > masks["conv → conv"].sum()
    verdict(
        HOLDS if grows else DOES_NOT_HOLD,
        "两个 3×3 卷积之间加一个 2×2 池化，第二个卷积看到的输入从 5×5 变成 8×8。",
        "a 2×2 pooling between two 3×3 convolutions widens what the second one sees "
        "from 5×5 to 8×8 input pixels.",
    )
    return {"claim_receptive_field": plots.receptive_fields(masks)}


def invariance(img):
    """池化层：“pooling也可以提供一些旋转不变性”"""
    import torch
    import torch.nn as nn
    from torchvision import transforms
    from torchvision.transforms import functional as F

    set_seed(1)  # 设置随机种子
    claim(POOLING, "另外一点值得注意：pooling也可以提供一些旋转不变性。")

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)  # C*H*W to B*C*H*W
    if min(img_tensor.shape[-2:]) < INVARIANCE_MIN_SIZE:
        print(
            f"图片太小，无法测量 / the image is too small to measure this: it needs at least "
            f"{INVARIANCE_MIN_SIZE}×{INVARIANCE_MIN_SIZE} pixels, got "
            f"{img_tensor.shape[-1]}×{img_tensor.shape[-2]}"
        )
        return {}
    if max(img_tensor.shape[-2:]) > INVARIANCE_MAX_SIZE:  # the measurement needs no more pixels
        img_tensor = F.resize(img_tensor, INVARIANCE_MAX_SIZE - 1, max_size=INVARIANCE_MAX_SIZE)
        print(f"(图片缩小到 downscaled to {img_tensor.shape[-1]}×{img_tensor.shape[-2]})")
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

    print("移动或旋转图片 T(x) 后，池化结果还剩多少变化（图片中心区域）")
    print("  / how much of the change is left after pooling (central half of the image):")
    print("  剩余 left = mean|pool(T(x)) - pool(x)| / mean|T(x) - x|")
    print("  1.00 = 池化后变化一点没少 pooling removed nothing; 0.80 = 去掉了 20% removed 20%;")
    print("  > 1 = 池化后变化反而更大（最大值跳到了别的像素）/ pooling made it larger (a maximum")
    print("        moved to another pixel): the share removed is then negative")
    print(f"{'T':<14}{'mean|T(x)-x|':>13}" + "".join(f"{name:>13}" for name in poolings))
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
        print("nan: 图片中心是平的，移动后没有变化可测 / the centre is flat: nothing changed")
        return {"invariance": plots.invariance(table, list(poolings))}
    shift_removed = 1 - table["shift 1 px"]["MaxPool2d"]
    rotation_removed = 1 - min(row["MaxPool2d"] for label, row in table.items() if "°" in label)
    print(
        f"一次 2×2 最大池化去掉 1 像素平移变化的 {shift_removed:.0%}，"
        f"旋转变化最多 {rotation_removed:.0%}"
        f" / one 2×2 max pooling removes {shift_removed:.0%} of a 1-px shift's change, "
        f"{rotation_removed:.0%} of a rotation's at most"
    )
    spread = oriented_filters()
    over_orientations = spread["max over 8 orientations"] < spread["one 0° filter"] / 2
    if rotation_removed >= 0.5:
        decision = HOLDS
    else:
        decision = HOLDS_IF if over_orientations else DOES_NOT_HOLD
    verdict(
        decision,
        f"空间上的 2×2 池化只去掉旋转变化的 {rotation_removed:.0%}；对不同方向的滤波器取最大"
        "（在方向上池化）才给旋转不变性。",
        f"2×2 pooling over space removes only {rotation_removed:.0%} of a rotation's change; "
        "pooling over the outputs of filters with different orientations gives the invariance.",
    )
    return {"invariance": plots.invariance(table, list(poolings))}


INVARIANCE_MIN_SIZE, INVARIANCE_MAX_SIZE = 16, 512


def line_image(angle, size=31, width=1.5):
    """A bright line through the centre at ``angle`` degrees, as a size×size tensor."""
    import math

    import torch

    coords = torch.arange(size) - size // 2
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    theta = math.radians(angle)
    distance = (x * math.sin(theta) - y * math.cos(theta)).abs()
    return torch.exp(-((distance / width) ** 2))


def oriented_filters():
    """Rotation invariance from pooling over orientations: 8 line detectors, max over them."""
    import torch
    import torch.nn.functional as F

    angles = range(0, 180, 15)
    filters = torch.stack([line_image(a, size=11) for a in range(0, 180, 22)][:8])
    filters = (filters - filters.mean(dim=(1, 2), keepdim=True)).unsqueeze(1)  # zero-mean
    responses = []
    for angle in angles:
        image = line_image(angle).reshape(1, 1, 31, 31)
        responses.append(F.conv2d(image, filters).amax(dim=(2, 3))[0])  # max over space
    responses = torch.stack(responses)  # angle × filter
    rows = {
        "one 0° filter": responses[:, 0],
        "max over 8 orientations": responses.max(dim=1).values,
    }
    print("课本上的解释：对不同方向的滤波器输出取最大 / the textbook point: pool over orientations")
    print(
        "  一条线旋转 0°…165°，滤波器响应（已按最大值归一化）/ a line rotated 0°…165°, responses:"
    )
    spread = {}
    for name, values in rows.items():
        values = values / values.max()
        spread[name] = (values.max() - values.min()).item()
        print(
            f"  {name:<24} "
            + " ".join(f"{v:.2f}" for v in values.tolist())
            + f"   变化幅度 spread {spread[name]:.2f}"
        )
    return spread


def central_half(t):
    """The central half of a map in each direction: rolled-in and rotated-in borders stay out,
    and on a pooled map it covers (nearly) the same pixels as on the input."""
    height, width = t.shape[-2:]
    return t[..., height // 4 : height - height // 4, width // 4 : width - width // 4]


def bars_dataset(count, generator):
    """16×16 noisy images of a horizontal (class 0) or vertical (class 1) bar, anywhere."""
    import torch

    labels = torch.randint(0, 2, (count,), generator=generator)
    images = torch.randn(count, 1, 16, 16, generator=generator) * 0.3
    where = torch.randint(2, 14, (count,), generator=generator)
    for i in range(count):
        if labels[i] == 0:
            images[i, 0, where[i], 2:14] += 1.0
        else:
            images[i, 0, 2:14, where[i]] += 1.0
    return images, labels


def train_and_test(pooling, seed, steps=60):
    """Train conv → ReLU → [pooling] → Flatten → Linear on 64 images; return (train, test) acc."""
    import torch
    import torch.nn as nn

    generator = torch.Generator().manual_seed(seed)
    train_x, train_y = bars_dataset(64, generator)
    test_x, test_y = bars_dataset(400, generator)
    torch.manual_seed(seed)
    features = 8 * 16 * 16 if pooling is None else 8 * 8 * 8
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        pooling or nn.Identity(),
        nn.Flatten(),
        nn.Linear(features, 2),
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(train_x), train_y).backward()
        optimizer.step()
    with torch.no_grad():
        train = (net(train_x).argmax(1) == train_y).float().mean().item()
        test = (net(test_x).argmax(1) == test_y).float().mean().item()
    return train, test


def overfitting():
    """池化层：“在一定程度上避免过拟合的出现”"""
    import statistics

    import torch.nn as nn

    claim(POOLING, "使特征图变小，简化网络计算复杂度并在一定程度上避免过拟合的出现")
    print("64 张训练图、400 张测试图（带噪声的横条/竖条，位置随机），5 个随机种子")
    print("  / 64 training and 400 test images (noisy bars, anywhere), 5 seeds")
    gaps = {}
    for name, pooling in [
        ("不池化 no pooling", None),
        ("MaxPool2d(2)", nn.MaxPool2d(2)),
        ("AvgPool2d(2)", nn.AvgPool2d(2)),
    ]:
        runs = [train_and_test(pooling, seed) for seed in range(5)]
        gaps[name] = [train - test for train, test in runs]
        tests = [test for _, test in runs]
        print(
            f"  {name:<18} 训练 train {statistics.mean(r[0] for r in runs):.2f}, "
            f"测试 test {statistics.mean(tests):.2f} ± {statistics.stdev(tests):.2f}, "
            f"差距 gap {statistics.mean(gaps[name]):+.2f} ± {statistics.stdev(gaps[name]):.2f}"
        )
    none = statistics.mean(gaps["不池化 no pooling"])
    best = min(statistics.mean(gaps[name]) for name in ("MaxPool2d(2)", "AvgPool2d(2)"))
    noise = max(statistics.stdev(g) for g in gaps.values())
    weights = f"{8 * 16 * 16 * 2} → {8 * 8 * 8 * 2}"
    if none - best > noise:
        verdict(
            HOLDS_IF,
            f"这里池化把差距从 {none:.2f} 降到 {best:.2f}，超过种子间的波动 {noise:.2f}；"
            f"池化本身没有参数，是它让后面的线性层变小（{weights} 个权重），对位置也不那么敏感。",
            f"here pooling narrows the gap from {none:.2f} to {best:.2f}, more than the seeds' "
            f"spread ({noise:.2f}); pooling has no parameters itself: it shrinks the linear layer "
            f"after it ({weights} weights) and makes it care less about position.",
        )
    else:
        verdict(
            DOES_NOT_HOLD,
            f"这里差距 {none:.2f} 与 {best:.2f} 的差别没有超过种子间的波动 {noise:.2f}。",
            f"here the gaps {none:.2f} and {best:.2f} differ by less than the seeds' spread.",
        )
    return {}


# ============================= 池化层的参数 pooling parameters =============================

PARAMETERS = "nn.MaxPool2d() 的参数"


def classic_models():
    """Some torchvision models, built on the meta device: no memory, no weights, no download."""
    import torch
    from torchvision import models

    with torch.device("meta"):
        return {
            "alexnet": models.alexnet(),
            "vgg16": models.vgg16(),
            "resnet18": models.resnet18(),
            "googlenet": models.googlenet(init_weights=False, aux_logits=False),
            "densenet121": models.densenet121(),
            "squeezenet1_0": models.squeezenet1_0(),
        }


def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def pixels_read_by(pool, size):
    """Which input pixels the centre output of ``pool`` reads: put a single 1 at each position
    in turn (one image each) and see where the centre output becomes 1."""
    import torch

    one_hot = torch.eye(size * size).reshape(size * size, 1, size, size)
    out = pool(one_hot)
    return (out[:, 0, out.shape[-2] // 2, out.shape[-1] // 2] == 1).reshape(size, size)


def stride_equals_kernel():
    """参数：stride “通常与 kernel_size 一致”"""
    import torch.nn as nn

    claim(PARAMETERS, "stride：步长，通常与 kernel_size 一致")
    print(
        f"默认 default: nn.MaxPool2d(3).stride = {nn.MaxPool2d(3).stride}, "
        f"nn.AvgPool2d(3).stride = {nn.AvgPool2d(3).stride} (stride=None → kernel_size)"
    )
    same = other = 0
    for name, model in classic_models().items():
        pools = [m for m in model.modules() if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))]
        described = [f"{pair(m.kernel_size)[0]}/{pair(m.stride)[0]}" for m in pools]
        equal = sum(pair(m.kernel_size) == pair(m.stride) for m in pools)
        same, other = same + equal, other + len(pools) - equal
        print(f"  torchvision {name:<14} kernel/stride: {', '.join(described)}")
    print(f"  stride = kernel: {same} 个池化层 layers, stride ≠ kernel: {other}")
    verdict(
        HOLDS_IF,
        f"默认值确实是 stride = kernel_size；但这些经典模型里 {other} 个池化层用了更小的 stride"
        "（3×3、步长 2 的重叠池化，如 AlexNet、ResNet）。",
        f"the default is stride = kernel_size, but {other} pooling layers of these classic models "
        "use a smaller stride (overlapping 3×3 windows with stride 2, as in AlexNet and ResNet).",
    )
    return {}


def padding_keeps_size():
    """参数：padding “保持输入和输出的图像尺寸不变”"""
    import torch
    import torch.nn as nn

    claim(PARAMETERS, "padding：… 一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变。")
    x = torch.zeros(1, 1, 512, 512)
    kept = {}
    for kernel, stride, padding in [(3, 1, 1), (5, 1, 2), (2, 1, 1), (2, 2, 1), (3, 2, 1)]:
        out = nn.MaxPool2d(kernel, stride, padding)(x).shape[-1]
        kept[kernel, stride] = out == 512
        print(f"  MaxPool2d({kernel}, stride={stride}, padding={padding}): 512 → {out}")
    print("  偶数 kernel 没有合适的 padding：(512 + 2p - 2) / 1 + 1 = 512 要求 p = 0.5")
    print("  / an even kernel has no such padding: it would need p = 0.5")
    only_odd_stride_1 = (
        kept[3, 1] and kept[5, 1] and not any(kept[k] for k in [(2, 1), (2, 2), (3, 2)])
    )
    verdict(
        HOLDS_IF if only_odd_stride_1 else DOES_NOT_HOLD,
        "只有 stride=1、kernel 为奇数、padding = (kernel - 1) / 2 时尺寸才不变。",
        "only with stride 1, an odd kernel and padding = (kernel - 1) / 2.",
    )
    return {}


def dilation():
    """参数：dilation “提升感受野”“常用于图像分割任务中”"""
    import torch
    import torch.nn as nn
    from torchvision.models import segmentation

    claim(PARAMETERS, "dilation：池化间隔大小，默认为1。常用于图像分割任务中，主要是为了提升感受野")
    for rate in (1, 2, 3):
        mask = pixels_read_by(nn.MaxPool2d(3, stride=1, dilation=rate), size=15)
        rows, cols = mask.nonzero().unbind(1)
        print(
            f"  MaxPool2d(3, stride=1, dilation={rate}): 窗口取 {int(mask.sum())} 个像素 "
            f"samples {int(mask.sum())} pixels, 覆盖 spanning {rows.max() - rows.min() + 1}×"
            f"{cols.max() - cols.min() + 1}"
        )
    with torch.device("meta"):
        models = {
            "deeplabv3_resnet50": segmentation.deeplabv3_resnet50(
                weights=None, weights_backbone=None
            ),
            "fcn_resnet50": segmentation.fcn_resnet50(weights=None, weights_backbone=None),
        }
    dilated_pools = 0
    for name, model in models.items():
        convs = sum(isinstance(m, nn.Conv2d) and max(pair(m.dilation)) > 1 for m in model.modules())
        pools = sum(
            isinstance(m, nn.MaxPool2d) and max(pair(m.dilation)) > 1 for m in model.modules()
        )
        dilated_pools += pools
        print(
            f"  torchvision {name}: dilation > 1 的卷积层 convolutions {convs},"
            f" 池化层 pooling {pools}"
        )
    verdict(
        HOLDS_IF,
        "dilation 确实用同样 9 个像素覆盖更大的范围；但分割网络用的是空洞卷积，"
        f"torchvision 的分割模型里 dilation > 1 的池化层有 {dilated_pools} 个。",
        "dilation does spread the same 9 samples over a wider window; but segmentation networks "
        f"dilate their convolutions: torchvision's segmentation models have {dilated_pools} "
        "dilated pooling layers.",
    )
    return {}


def average_divisor():
    """参数：count_include_pad，divisor_override “分母默认是像素值的个数”"""
    import torch
    import torch.nn as nn

    claim(
        "nn.AvgPool2d() 的参数",
        "count_include_pad：在计算平均值时，是否把填充值考虑在内计算 … 分母默认是像素值的个数",
    )
    ones = torch.ones(1, 1, 4, 4)
    for name, layer in [
        ("AvgPool2d(3, stride=1, padding=1)", nn.AvgPool2d(3, 1, 1)),
        (
            "AvgPool2d(3, stride=1, padding=1, count_include_pad=False)",
            nn.AvgPool2d(3, 1, 1, count_include_pad=False),
        ),
    ]:
        print(f"  全 1 的 4×4 输入 / all-ones 4×4 input, {name}:\n{layer(ones)[0, 0]}")
    corner = nn.AvgPool2d(3, 1, 1)(ones)[0, 0, 0, 0].item()
    print(
        f"  角上的窗口有 4 个像素、5 个填充，默认除以 9：{corner:.4f} = 4 / 9 / the corner window "
        "holds 4 pixels and 5 padding cells, and divides by 9"
    )
    verdict(
        HOLDS_IF if abs(corner - 4 / 9) < 1e-6 else DOES_NOT_HOLD,
        "count_include_pad 的说明成立；但“分母默认是像素值的个数”只在没有 padding 时成立："
        "有 padding 时默认分母是 kernel 面积（填充也算）。",
        "count_include_pad is described right; the default divisor is the number of pixels only "
        "without padding: with padding it is the kernel area, padding included.",
    )
    return {}


def unpool_padding():
    """nn.MaxUnpool2d 的 padding “填充宽度”"""
    import torch
    import torch.nn as nn

    claim("nn.MaxUnpool2d()", "padding：填充宽度")
    pooled = torch.ones(1, 1, 3, 3)
    indices = torch.zeros(1, 1, 3, 3, dtype=torch.long)
    sizes = {}
    for padding in (0, 1):
        out = nn.MaxUnpool2d(3, stride=2, padding=padding)(pooled, indices)
        sizes[padding] = out.shape[-1]
        print(
            f"  MaxUnpool2d(3, stride=2, padding={padding}): 3×3 → "
            f"{sizes[padding]}×{sizes[padding]}"
        )
    print(
        "  out = (in - 1)·stride - 2·padding + kernel_size: padding 让输出变小，\n"
        "  它是池化时的 padding，反池化把它去掉\n"
        "  / padding shrinks the output: it is the pooling's padding, taken off again"
    )
    verdict(
        DOES_NOT_HOLD if sizes[1] < sizes[0] else HOLDS,
        "MaxUnpool2d 的 padding 不是往输出上加的填充，而是池化时加的那圈，反池化时减掉。",
        "MaxUnpool2d's padding adds nothing: it is the pooling's padding, subtracted again.",
    )
    return {}


# ================================= 线性层 linear ==================================


def affine():
    """线性层：“线性组合或线性变换”"""
    import torch
    import torch.nn as nn

    claim(
        "线性层",
        "线性层又称为全连接层，其每个神经元与上一个层所有神经元相连，实现对前一层的线性组合或线性变换。",
    )
    x, y = torch.tensor([[1.0, 2, 3]]), torch.tensor([[-2.0, 0.5, 4]])
    results = {}
    for bias in (True, False):
        layer = nn.Linear(3, 4, bias=bias)
        layer.weight.data = torch.tensor([[1.0] * 3, [2.0] * 3, [3.0] * 3, [4.0] * 3])
        if bias:
            layer.bias.data.fill_(0.5)
        with torch.no_grad():
            zero = layer(torch.zeros(1, 3))
            additive = torch.equal(layer(x + y), layer(x) + layer(y))
            homogeneous = torch.equal(layer(2 * x), 2 * layer(x))
        results[bias] = additive and homogeneous and not zero.any()
        print(
            f"  nn.Linear(3, 4, bias={bias}): f(0) = {zero.tolist()}, f(x + y) == f(x) + f(y): "
            f"{additive}, f(2x) == 2·f(x): {homogeneous}"
        )
    verdict(
        HOLDS_IF if results[False] and not results[True] else DOES_NOT_HOLD,
        "y = x·Wᵀ + b：只有 bias=False 时才是线性变换；默认带偏置，是仿射变换"
        "（线性变换再平移 b）。",
        "y = x·Wᵀ + b is linear only with bias=False; with the default bias it is affine "
        "(a linear map plus a shift by b).",
    )
    return {}


def fully_connected():
    """线性层：“每个神经元与上一个层所有神经元相连”"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim("线性层", "其每个神经元与上一个层所有神经元相连")
    layer = nn.Linear(3, 4)
    jacobian = torch.autograd.functional.jacobian(layer, torch.randn(3))
    print(f"  nn.Linear(3, 4) 的雅可比矩阵 Jacobian ∂y/∂x (4×3) = weight:\n{jacobian}")
    print(
        f"  非零 non-zero: {int((jacobian != 0).sum())} / 12, 等于 equals weight: "
        f"{torch.equal(jacobian, layer.weight.detach())}"
    )
    conv = nn.Conv2d(1, 1, 3, padding=1)
    conv_jacobian = torch.autograd.functional.jacobian(conv, torch.randn(1, 1, 5, 5))
    print(
        f"  对比 Conv2d(1, 1, 3) 在 5×5 上：每个输出只连 ≤ 9 个输入，非零 non-zero "
        f"{int((conv_jacobian != 0).sum())} / {conv_jacobian.numel()}"
    )
    verdict(
        HOLDS if bool((jacobian != 0).all()) else DOES_NOT_HOLD,
        "每个输出对每个输入的导数就是对应的权重，只要权重不为 0 就全相连。",
        "each output's derivative with respect to each input is a weight: every output is "
        "connected to every input (unless that weight is 0).",
    )
    return {}


# ================================= 激活函数层 activations ==================================

ACTIVATIONS = "激活函数层"


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


INITS = ("default", "xavier", "kaiming")


def gradient_norms(activation, init, scale=1.0, depth=10, width=128):
    """The gradient norm of each layer's weight in a stack of ``depth`` Linear + activation
    layers, after one backward pass of output.sum() on a seeded batch; first layer first."""
    import torch
    import torch.nn as nn

    torch.manual_seed(1)
    linears = [nn.Linear(width, width) for _ in range(depth)]
    for linear in linears:
        if init == "xavier":
            nn.init.xavier_normal_(linear.weight)
        elif init == "kaiming":
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        if init != "default":
            nn.init.zeros_(linear.bias)
        linear.weight.data.mul_(scale)
    net = nn.Sequential(*(m for linear in linears for m in (linear, activation())))
    net(torch.randn(64, width)).sum().backward()
    return [linear.weight.grad.norm().item() for linear in linears]


def vanishing_gradients():
    """Sigmoid/Tanh “容易导致梯度消失”，ReLU “缓解梯度消失”"""
    import torch.nn as nn

    claim("nn.Sigmoid", "导数范围是 [0, 0.25]，容易导致梯度消失")
    claim("nn.tanh", "导数范围是 (0,1)，容易导致梯度消失")
    claim("nn.ReLU", "导数是 1，缓解梯度消失")
    print(
        "10 层 Linear(128, 128) + 激活，第 1 层与第 10 层权重梯度范数之比"
        " / gradient norm at layer 1 over layer 10:"
    )
    print(f"  {'':<10}" + "".join(f"{init:>12}" for init in INITS))
    norms, ratios = {}, {}
    for activation in (nn.Sigmoid, nn.Tanh, nn.ReLU):
        name = activation.__name__
        for init in INITS:
            norms[name, init] = gradient_norms(activation, init)
            ratios[name, init] = norms[name, init][0] / norms[name, init][-1]
        print(f"  {name:<10}" + "".join(f"{ratios[name, init]:>12.2e}" for init in INITS))
    print(
        "  default = PyTorch 默认初始化; xavier = xavier_normal_; kaiming = kaiming_normal_(relu)"
    )
    verdict(
        HOLDS if all(ratios["Sigmoid", init] < 1e-4 for init in INITS) else HOLDS_IF,
        "三种初始化下 Sigmoid 传到第 1 层的梯度都不到第 10 层的万分之一。",
        "under all three initialisations the gradient reaching layer 1 is below 1e-4 of "
        "layer 10's.",
    )
    tanh_default_only = ratios["Tanh", "default"] < 0.1 <= ratios["Tanh", "xavier"]
    verdict(
        HOLDS_IF if tanh_default_only else HOLDS,
        "Tanh 只在 PyTorch 默认初始化下梯度消失；Xavier 初始化下不消失。",
        "Tanh's gradient vanishes under PyTorch's default initialisation, not under Xavier's.",
    )
    relu_kaiming_only = ratios["ReLU", "default"] < 0.1 <= ratios["ReLU", "kaiming"]
    verdict(
        HOLDS_IF if relu_kaiming_only else HOLDS,
        "ReLU 只有配合 Kaiming 初始化才缓解梯度消失；PyTorch 默认初始化下 10 层后梯度也消失了。",
        "ReLU relieves vanishing gradients only with Kaiming initialisation; under PyTorch's "
        "default initialisation its gradient vanishes over ten layers too.",
    )
    return {"claim_vanishing_gradients": plots.gradient_norms(norms, INITS)}


def exploding_gradients():
    """ReLU “导数是 1 … 但容易引发梯度爆炸”"""
    import torch.nn as nn

    claim("nn.ReLU", "导数是 1，缓解梯度消失，但容易引发梯度爆炸")
    print(
        "Kaiming 初始化后把权重放大 s 倍，第 1 层梯度范数（相对 s = 1）"
        " / layer 1's gradient norm with the weights scaled by s, relative to s = 1:"
    )
    growth, baselines = {}, {}
    for activation in (nn.ReLU, nn.Tanh):
        base = baselines[activation.__name__] = gradient_norms(activation, "kaiming")
        row = {s: gradient_norms(activation, "kaiming", scale=s)[0] / base[0] for s in (1, 1.5, 2)}
        growth[activation.__name__] = row
        print(
            f"  {activation.__name__:<6} "
            + ", ".join(f"s = {s}: {g:.3g}×" for s, g in row.items())
            + f";  s = 1 时第 1 层 / 第 10 层 layer 1 / layer 10: {base[0] / base[-1]:.2f}"
        )
    relu_kaiming = baselines["ReLU"]
    stable = 0.1 < relu_kaiming[0] / relu_kaiming[-1] < 10
    passes_growth_on = growth["ReLU"][2] > growth["Tanh"][2]
    verdict(
        HOLDS_IF if stable and passes_growth_on else (DOES_NOT_HOLD if stable else HOLDS),
        "Kaiming 初始化下 ReLU 的梯度层层保持同一量级，不爆炸；只有权重偏大时才爆炸："
        f"ReLU 把放大原样传下去（s = 2 时 {growth['ReLU'][2]:.0f} 倍），"
        f"Tanh 的饱和会压住一些（{growth['Tanh'][2]:.1f} 倍）。",
        "with Kaiming initialisation ReLU keeps the gradient's size layer after layer; it explodes "
        "only when the weights are too large: ReLU passes the growth on in full "
        f"({growth['ReLU'][2]:.0f}× at s = 2), Tanh's saturation damps it "
        f"({growth['Tanh'][2]:.1f}×).",
    )
    return {}


def zero_mean():
    """Sigmoid “输出为非 0 均值，破坏数据分布”，Tanh “数据符合 0 均值”"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim("nn.Sigmoid", "输出为非 0 均值，破坏数据分布")
    claim("nn.tanh", "输出值在(-1, 1)，数据符合 0 均值")
    x = torch.randn(256, 64)
    delta = torch.randn(256, 32)  # the gradient a next Linear(64, 32) receives, one row per sample
    same_sign = {}
    for activation in (nn.Sigmoid(), nn.Tanh(), nn.ReLU()):
        name = type(activation).__name__
        a = activation(x)
        shifted = activation(x + 1).mean().item()
        # one sample's gradient for the next layer's weight row i is delta_i · a: every entry
        # has delta_i's sign when all of a is positive
        per_sample = delta[:, :, None] * a[:, None, :]  # sample × neuron × input
        signs = torch.sign(per_sample)
        nonzero = signs != 0
        rows_one_sign = ((signs >= 0) | ~nonzero).all(2) | ((signs <= 0) | ~nonzero).all(2)
        same_sign[name] = rows_one_sign.float().mean().item()
        print(
            f"  {name:<8} 输入 N(0, 1) 时均值 mean {a.mean():+.3f}；"
            f"输入 N(1, 1) 时 {shifted:+.3f}；"
            f"下一层每个神经元的单样本权重梯度同号的比例 / rows of a sample's weight gradient "
            f"with one sign: {same_sign[name]:.0%}"
        )
    print(
        "  全部同号时，一步梯度下降只能让一个神经元的权重一起变大或一起变小，只好走“之”字形"
        "\n  / all of one sign: one step moves a neuron's weights all up or all down (zig-zag)"
    )
    verdict(
        HOLDS if same_sign["Sigmoid"] == 1 and same_sign["Tanh"] < 0.01 else HOLDS_IF,
        "Sigmoid 输出均值约 0.5，下一层每个神经元的单样本梯度全部同号；ReLU 也一样（文章没说）。",
        "Sigmoid's outputs average about 0.5, so a sample's gradient for each next-layer neuron "
        "has one sign throughout; so does ReLU's, which the article does not say.",
    )
    verdict(
        HOLDS_IF,
        "Tanh 的输出只有在输入以 0 为中心时才是 0 均值（输入 N(1, 1) 时均值约 0.6）。",
        "Tanh's outputs average 0 only when its inputs are centred on 0 (about 0.6 for N(1, 1)).",
    )
    return {}


def dead_unit_shares(activation, steps=200, kill=True, seed=0):
    """Train 16 → 64 → 1 with Adam (lr 0.05) on a seeded regression; half the hidden units start
    dead (bias -3) when ``kill``. Returns the share of units negative for every input, per step,
    and the gradient norm that the dead half's weights got in the first step."""
    import torch
    import torch.nn as nn

    torch.manual_seed(seed)
    x = torch.randn(256, 16)
    y = x[:, :4].sum(1, keepdim=True).sin() * 3
    hidden, output = nn.Linear(16, 64), nn.Linear(64, 1)
    if kill:
        hidden.bias.data[:32] = -3.0  # as after one large step that pushed the biases down
    net = nn.Sequential(hidden, activation(), output)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    shares, first_grad = [], None
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        if first_grad is None:
            first_grad = hidden.weight.grad[:32].norm().item()
        optimizer.step()
        with torch.no_grad():
            shares.append((hidden(x) <= 0).all(dim=0).float().mean().item())
    return shares, first_grad


def dead_relu():
    """ReLU “负半轴的导数为 0，容易导致死神经元”；LeakyReLU、PReLU、RReLU 是改进"""
    import torch.nn as nn

    claim("nn.ReLU", "输出值均为正数，负半轴的导数为 0，容易导致死神经元")
    claim(
        "nn.LeakyReLU / nn.PReLU / nn.RReLU",
        "针对 RuLU 会导致死神经元的缺点，出现了下面 3 种改进的激活函数。",
    )
    natural, _ = dead_unit_shares(nn.ReLU, kill=False)
    print(
        f"  正常训练 normal training (Adam, lr 0.05, 200 步 steps): ReLU 死单元 dead units "
        f"{natural[0]:.0%} → {natural[-1]:.0%}"
    )
    print("  一半隐藏单元一开始就死了（bias = -3，对所有输入都 ≤ 0）/ half the units start dead:")
    curves, first_grads = {}, {}
    for name, activation in [
        ("ReLU", nn.ReLU),
        ("LeakyReLU(0.1)", lambda: nn.LeakyReLU(0.1)),
        ("PReLU", nn.PReLU),
        ("RReLU", nn.RReLU),
    ]:
        curves[name], first_grads[name] = dead_unit_shares(activation)
        print(
            f"  {name:<15} 死单元 dead {curves[name][0]:.0%} → {curves[name][-1]:.0%}, "
            f"死单元权重第一步的梯度 their first gradient: {first_grads[name]:.3g}"
        )
    verdict(
        HOLDS_IF if natural[-1] < 0.05 and first_grads["ReLU"] == 0 else HOLDS,
        "死了的 ReLU 单元梯度正好是 0，永远回不来；但正常训练时几乎没有单元死掉，"
        "要一大步把偏置推到负数才会。",
        "a dead ReLU unit gets exactly zero gradient and never recovers; but in normal training "
        "almost none die: it takes a large step that pushes the biases negative.",
    )
    recovered = all(curves[name][-1] < 0.5 for name in curves if name != "ReLU")
    verdict(
        HOLDS if recovered and curves["ReLU"][-1] == 0.5 else HOLDS_IF,
        "LeakyReLU、PReLU、RReLU 的负半轴有斜率，死单元仍有梯度，训练中会活过来。",
        "LeakyReLU, PReLU and RReLU keep a slope on the negative side, so dead units still get "
        "a gradient and come back during training.",
    )
    return {"claim_dead_relu": plots.dead_units(curves)}


# ================================= 命令行 command line ==================================

SECTIONS = [
    Section("salient-features", "池化层：“保留显著特征”", salient_features),
    Section("downsampling", "池化层：“降低特征维度”“简化网络计算复杂度”", downsampling, True),
    Section(
        "receptive-field",
        "池化层：“增大kernel的感受野”",
        receptive_field,
        figures=("claim_receptive_field",),
    ),
    Section(
        "invariance",
        "池化层：“pooling也可以提供一些旋转不变性”",
        invariance,
        True,
        figures=("invariance",),
    ),
    Section("overfitting", "池化层：“在一定程度上避免过拟合的出现”", overfitting),
    Section("stride", "参数：stride “通常与 kernel_size 一致”", stride_equals_kernel),
    Section("padding", "参数：padding “保持输入和输出的图像尺寸不变”", padding_keeps_size),
    Section("dilation", "参数：dilation “提升感受野”“常用于图像分割任务中”", dilation),
    Section("avg-divisor", "参数：count_include_pad、“分母默认是像素值的个数”", average_divisor),
    Section("unpool-padding", "nn.MaxUnpool2d：padding “填充宽度”", unpool_padding),
    Section("affine", "线性层：“线性组合或线性变换”", affine),
    Section("fully-connected", "线性层：“每个神经元与上一个层所有神经元相连”", fully_connected),
    Section("linear-collapse", "激活函数层：多个线性层的组合等价于一个线性层", linear_collapse),
    Section(
        "vanishing-gradients",
        "Sigmoid、Tanh “容易导致梯度消失”，ReLU “缓解梯度消失”",
        vanishing_gradients,
        figures=("claim_vanishing_gradients",),
    ),
    Section("exploding-gradients", "ReLU “容易引发梯度爆炸”", exploding_gradients),
    Section("zero-mean", "Sigmoid “输出为非 0 均值”，Tanh “数据符合 0 均值”", zero_mean),
    Section(
        "dead-relu",
        "ReLU “容易导致死神经元”，LeakyReLU、PReLU、RReLU 的改进",
        dead_relu,
        figures=("claim_dead_relu",),
    ),
]


def main(argv=None):
    return run_sections(argv, __doc__.splitlines()[0], SECTIONS)


if __name__ == "__main__":
    sys.exit(run_cli(main))
