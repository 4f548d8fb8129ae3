"""池化层的论断，逐条实测 / The article's claims about pooling, each measured, with a verdict.

The claims about the layers' parameters are in claims_pooling_parameters.py.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/claims_pooling.py --list
    python lesson3/claims_pooling.py --invariance --overfitting

No flag runs every claim. The article's own code is in nn_layers_others.py.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, lab/ beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from common_tools import set_seed
from lab import plots
from lab.verdicts import (
    DOES_NOT_HOLD,
    HOLDS,
    HOLDS_IF,
    SEEDS,
    Optimizer,
    all_some_none,
    claim,
    pad,
    verdict,
)

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
            f"  {pad(name, 24)} 含亮点的窗口中保持 1 的比例 {kept[name]:.0%}，最大值 "
            f"{result.max():.2f} / windows keeping the full value {kept[name]:.0%}, largest "
            f"value {result.max():.2f}"
        )
    verdict(
        salient_verdict(kept["MaxPool2d(2, 2)"], kept["AvgPool2d(2, 2)"]),
        "最大池化保留每个窗口里最强的响应；平均池化把它稀释成 1/4，只降采样会丢掉大部分。",
        "max pooling keeps each window's strongest response; average pooling dilutes it to 1/4 "
        "and plain subsampling drops most of them.",
    )


KEPT = 0.99  # the share of windows whose bright pixel keeps its full value: "kept"


def salient_verdict(kept_by_max, kept_by_avg):
    """ "Pooling keeps salient features": 成立 when max and average pooling both keep them,
    有条件成立 when only max pooling does, 不成立 when neither does."""
    if kept_by_max >= KEPT:
        return HOLDS if kept_by_avg >= KEPT else HOLDS_IF
    return DOES_NOT_HOLD


def downsampling(img):
    """池化层：“降低特征维度”“简化网络计算复杂度”"""
    import torch.nn as nn
    from torchvision import transforms

    claim(POOLING, "使特征图变小，简化网络计算复杂度 … 降低特征维度")

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)
    rows = {
        "nn.Identity() 不池化": img_tensor,
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
            f"  {pad(name, 36)} shape {tuple(x.shape)}：{x.numel():>9,} 个值，下一层乘加 "
            f"{macs:>12,} 次 / {x.numel():,} values, {macs:,} multiply-adds in the next layer"
        )
    before, after, same = counts.values()
    verdict(
        downsampling_verdict(before, after, same),
        "stride > 1 时才成立：2×2、步长 2 让值和下一层的乘加次数都变为 1/4；stride=1 时尺寸不变；"
        "池化从不改变通道数。",
        "only with stride > 1: 2×2 with stride 2 cuts the values and the next layer's "
        "multiply-adds to 1/4; stride 1 keeps the size; pooling never changes the channel count.",
    )


def downsampling_verdict(before, strided, stride_1):
    """ "Pooling makes the maps smaller": each is (values, next layer's multiply-adds). 成立 when
    pooling with stride 2 and with stride 1 both shrink them, 有条件成立 when only stride 2
    does, 不成立 when neither does."""

    def smaller(after):
        return all(a < b for a, b in zip(after, before))

    if smaller(strided):
        return HOLDS if smaller(stride_1) else HOLDS_IF
    return DOES_NOT_HOLD


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
        span = "×".join(map(str, span_of(mask)))
        print(
            f"  {name:<28} 影响中心输出的输入像素 {int(mask.sum()):>3} 个，范围 {span} / "
            f"{int(mask.sum())} input pixels reach the centre output, spanning {span}"
        )
    print(
        "  最大池化的梯度只流向每个窗口的最大值，所以在一张具体的图上到达的像素更少；\n"
        "  能影响输出的范围与平均池化相同\n"
        "  / max pooling passes the gradient only to each window's maximum, so on a\n"
        "  given input fewer pixels are reached, within the same span as average pooling"
    )
    spans = {name: span_of(mask) for name, mask in masks.items()}
    verdict(
        receptive_field_verdict(*spans.values()),
        "两个 3×3 卷积之间加一个 2×2 池化，第二个卷积看到的输入从 5×5 变成 8×8。",
        "a 2×2 pooling between two 3×3 convolutions widens what the second one sees "
        "from 5×5 to 8×8 input pixels.",
    )
    plots.receptive_fields(masks)


def span_of(mask):
    """(rows, columns) the True pixels of ``mask`` span."""
    rows, cols = mask.nonzero().unbind(1)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def receptive_field_verdict(without, with_avg, with_max):
    """ "Pooling enlarges the receptive field", from the (rows, columns) spans of input pixels
    reaching the centre output: 成立 when average and max pooling both widen it, 有条件成立 when
    one does, 不成立 when neither does."""
    return all_some_none(
        [pooled[0] * pooled[1] > without[0] * without[1] for pooled in (with_avg, with_max)]
    )


INVARIANCE_MIN_SIZE, INVARIANCE_MAX_SIZE = 16, 512


def invariance(img):
    """池化层：“pooling也可以提供一些旋转不变性”"""
    import torch.nn as nn

    set_seed(1)  # 设置随机种子
    claim(POOLING, "另外一点值得注意：pooling也可以提供一些旋转不变性。")

    img_tensor = invariance_input(img)
    if img_tensor is None:
        return
    poolings = {
        "MaxPool2d": nn.MaxPool2d((2, 2), stride=(2, 2)),
        "AvgPool2d": nn.AvgPool2d((2, 2), stride=(2, 2)),
        "x[::2, ::2]": lambda t: t[..., ::2, ::2],  # 只降采样、不池化 / subsampling, no pooling
    }
    table = change_left_after_pooling(img_tensor, poolings)
    if any(ratio != ratio for row in table.values() for ratio in row.values()):  # NaN: 0 / 0
        print("nan: 图片中心是平的，移动后没有变化可测 / the centre is flat: nothing changed")
        plots.invariance(table, list(poolings))
        return
    noise = noise_left_after_pooling(img_tensor, poolings)
    removed = print_what_pooling_removes(table, noise)
    spread = oriented_filters()
    over_orientations = spread["max over 8 orientations"] < spread["one 0° filter"] / 2
    decision = invariance_decision(removed["rotation"], over_orientations)
    shift, rotation = removed_by_rms(img_tensor, poolings["MaxPool2d"])
    same = invariance_decision(rotation, over_orientations) == decision
    verdicts = ("结论不变", "the same verdict") if same else ("结论不同", "another verdict")
    print(
        "用平均绝对变化来量：每个像素同等计数，和像素值同一尺度；按均方根（RMS）量，少数大的变化"
        f"（边缘）占主导，最大池化去掉平移变化的 {shift:.1%}、旋转变化最多 {rotation:.1%}，"
        f"{verdicts[0]} / measured as the mean absolute change: every pixel counts alike, on the "
        "pixels' own scale; by the root mean square, where the few large changes at edges "
        f"dominate, max pooling removes {shift:.1%} of the shift's change and {rotation:.1%} of "
        f"a rotation's at most: {verdicts[1]}"
    )
    verdict(
        decision,
        f"空间上的 2×2 最大池化最多只去掉旋转变化的 {removed['rotation']:.0%}（平均池化的 "
        f"{removed['avg rotation']:.0%} 是平滑：随机噪声它也去掉 {removed['avg noise']:.0%}）；"
        "对不同方向的滤波器取最大（在方向上池化）才给旋转不变性。",
        f"2×2 max pooling over space removes at most {removed['rotation']:.0%} of a rotation's "
        f"change (average pooling's {removed['avg rotation']:.0%} is smoothing: it removes "
        f"{removed['avg noise']:.0%} of random noise too); pooling over the outputs of filters "
        "with different orientations gives the invariance.",
    )
    plots.invariance(table, list(poolings))


def invariance_decision(rotation_removed, over_orientations):
    """成立 when 2×2 max pooling removes half a rotation's change or more; else 有条件成立 when
    pooling over orientations gives the invariance, 不成立 when nothing does."""
    if rotation_removed >= 0.5:
        return HOLDS
    return HOLDS_IF if over_orientations else DOES_NOT_HOLD


def invariance_input(img):
    """The picture as a batch of one, between INVARIANCE_MIN_SIZE and INVARIANCE_MAX_SIZE a side
    (larger ones are scaled down); None, said in one line, when it is too small."""
    from torchvision import transforms
    from torchvision.transforms import functional as F

    img_tensor = transforms.ToTensor()(img).unsqueeze(0)  # C*H*W to B*C*H*W
    if min(img_tensor.shape[-2:]) < INVARIANCE_MIN_SIZE:
        print(
            f"图片太小，无法测量 / the image is too small to measure this: it needs at least "
            f"{INVARIANCE_MIN_SIZE}×{INVARIANCE_MIN_SIZE} pixels, got "
            f"{img_tensor.shape[-1]}×{img_tensor.shape[-2]}"
        )
        return None
    if max(img_tensor.shape[-2:]) > INVARIANCE_MAX_SIZE:  # the measurement needs no more pixels
        img_tensor = F.resize(img_tensor, INVARIANCE_MAX_SIZE - 1, max_size=INVARIANCE_MAX_SIZE)
        print(f"(图片缩小到 downscaled to {img_tensor.shape[-1]}×{img_tensor.shape[-2]})")
    return img_tensor


def mean_absolute(change):
    return change.abs().mean()


def root_mean_square(change):
    return change.square().mean().sqrt()


def share_left(img_tensor, moved, poolings, pooled, size=mean_absolute):
    """(size(T(x) - x), {pooling: size(pool(T(x)) - pool(x)) / size(T(x) - x)}) over the
    central half of the image; ``size`` is the mean absolute change unless given."""
    unpooled = size(central_half(moved - img_tensor))
    return unpooled, {
        name: (size(central_half(pool(moved) - pooled[name])) / unpooled).item()
        for name, pool in poolings.items()
    }


def moves():
    """[(label, T)]: the shifts by 1–4 px and the rotations by 1°–10° the claim is measured on."""
    import torch
    from torchvision import transforms
    from torchvision.transforms import functional as F

    bilinear = transforms.InterpolationMode.BILINEAR
    changes = [(f"shift {s} px", lambda t, s=s: torch.roll(t, s, dims=-1)) for s in range(1, 5)]
    return changes + [
        (f"rotate {a}°", lambda t, a=a: F.rotate(t, a, interpolation=bilinear))
        for a in range(1, 11)
    ]


def removed_by_rms(img_tensor, maxpool):
    """The share of a 1-px shift's change and (at most) of a rotation's that max pooling
    removes, measured by the root mean square instead: the same question, another measure."""
    pooled = {"max": maxpool(img_tensor)}
    left = {
        label: share_left(img_tensor, move(img_tensor), {"max": maxpool}, pooled, root_mean_square)
        for label, move in moves()
    }
    rotation = min(row["max"] for label, (_, row) in left.items() if "°" in label)
    return 1 - left["shift 1 px"][1]["max"], 1 - rotation


def change_left_after_pooling(img_tensor, poolings):
    """Shift the picture by 1–4 px and rotate it by 1°–10°: print and return, for each change
    and pooling, the share of the change left after pooling."""
    changes = moves()
    print("移动或旋转图片 T(x) 后，池化结果还剩多少变化（图片中心区域）")
    print("  / how much of the change is left after pooling (central half of the image):")
    print("  剩余 / left = mean|pool(T(x)) - pool(x)| / mean|T(x) - x|")
    print("  1.00 = 池化后变化一点没少；0.80 = 去掉了 20%；")
    print("  / 1.00 = pooling removed nothing; 0.80 = it removed 20%;")
    print("  > 1 = 池化后变化反而更大（最大值跳到了别的像素）/ pooling made it larger (a maximum")
    print("        moved to another pixel): the share removed is then negative")
    print(f"{'T':<14}{'mean|T(x)-x|':>13}" + "".join(f"{name:>13}" for name in poolings))
    pooled = {name: pool(img_tensor) for name, pool in poolings.items()}
    table = {}
    for label, change in changes:
        unpooled, table[label] = share_left(img_tensor, change(img_tensor), poolings, pooled)
        print(
            f"{label:<14}{unpooled:>13.4f}" + "".join(f"{r:>13.3f}" for r in table[label].values())
        )
    return table


def noise_left_after_pooling(img_tensor, poolings):
    """The control: a change that is no shift or rotation, i.i.d. noise as large as a 1-px
    shift's change; what pooling removes of it is smoothing, not invariance. Prints and returns
    the share left, the mean over the seeds."""
    import statistics

    import torch

    size = central_half(torch.roll(img_tensor, 1, dims=-1) - img_tensor).abs().mean()
    pooled = {name: pool(img_tensor) for name, pool in poolings.items()}
    noise_rows = []
    for seed in SEEDS:
        noise = torch.randn(img_tensor.shape, generator=torch.Generator().manual_seed(seed))
        moved = img_tensor + noise * size / central_half(noise).abs().mean()
        noise_rows.append(share_left(img_tensor, moved, poolings, pooled)[1])
    noise = {name: statistics.mean(row[name] for row in noise_rows) for name in poolings}
    print(
        f"{'noise (' + str(len(SEEDS)) + ' seeds)':<14}{size:>13.4f}"
        + "".join(f"{noise[name]:>13.3f}" for name in poolings)
        + "   对照：不是移动的随机噪声 / control: random noise, no movement"
    )
    return noise


def print_what_pooling_removes(table, noise):
    """Print and return the share of each change that max and average pooling remove."""
    rotations = [row for label, row in table.items() if "°" in label]
    removed = {
        "shift": 1 - table["shift 1 px"]["MaxPool2d"],
        "rotation": 1 - min(row["MaxPool2d"] for row in rotations),
        "noise": 1 - noise["MaxPool2d"],
        "avg shift": 1 - table["shift 1 px"]["AvgPool2d"],
        "avg rotation": 1 - min(row["AvgPool2d"] for row in rotations),
        "avg noise": 1 - noise["AvgPool2d"],
    }
    r = removed
    if r["noise"] >= 0:
        noise = f"随机噪声去掉 {r['noise']:.0%}", f"{r['noise']:.0%} of noise"
    else:  # pooling made random noise larger: say it grew, not "removes −7%"
        noise = (
            f"随机噪声反而多了 {-r['noise']:.0%}",
            f"and random noise grows by {-r['noise']:.0%}",
        )
    print(
        f"一次 2×2 最大池化去掉 1 像素平移变化的 {r['shift']:.0%}，"
        f"旋转变化最多 {r['rotation']:.0%}，{noise[0]}"
        f" / one 2×2 max pooling removes {r['shift']:.0%} of a 1-px shift's change, "
        f"{r['rotation']:.0%} of a rotation's at most, {noise[1]}"
    )
    print(
        f"2×2 平均池化去掉平移变化的 {r['avg shift']:.0%}、旋转变化最多 {r['avg rotation']:.0%}，"
        f"但随机噪声它去掉 {r['avg noise']:.0%}：它去掉的是平滑掉的部分，不是不变性"
        f" / 2×2 average pooling removes {r['avg shift']:.0%} of the shift's change and "
        f"{r['avg rotation']:.0%} of a rotation's at most, but {r['avg noise']:.0%} of noise: "
        "what it removes is smoothing, not invariance"
    )
    return removed


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
            f"  {pad(name, 24)} "
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
    optimizer = Optimizer("Adam", net.parameters(), lr=0.01)
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

    claim(POOLING, "使特征图变小，简化网络计算复杂度并在一定程度上避免过拟合的出现")
    print(f"64 张训练图、400 张测试图（带噪声的横条/竖条，位置随机），{len(SEEDS)} 个随机种子")
    print(f"  / 64 training and 400 test images (noisy bars, anywhere), {len(SEEDS)} seeds")
    gaps = train_test_gaps()
    none = statistics.mean(gaps["nn.Identity() 不池化"])
    best = min(statistics.mean(gaps[name]) for name in ("MaxPool2d(2)", "AvgPool2d(2)"))
    control = statistics.mean(gaps["x[::2, ::2] 只降采样"])
    noise = max(statistics.stdev(g) for g in gaps.values())
    overfitting_verdict(none, best, control, noise)


def train_test_gaps():
    """Train each network over the seeds; print its accuracies and return its train - test gaps."""
    import statistics

    import torch.nn as nn

    gaps = {}
    for name, pooling in [
        ("nn.Identity() 不池化", None),
        ("MaxPool2d(2)", nn.MaxPool2d(2)),
        ("AvgPool2d(2)", nn.AvgPool2d(2)),
        # the control: a 1×1 window every other pixel is x[..., ::2, ::2]: the same smaller
        # linear layer after it, and no neighbours aggregated
        ("x[::2, ::2] 只降采样", nn.MaxPool2d(1, stride=2)),
    ]:
        runs = [train_and_test(pooling, seed) for seed in SEEDS]
        gaps[name] = [train - test for train, test in runs]
        tests = [test for _, test in runs]
        train = f"{statistics.mean(r[0] for r in runs):.2f}"
        test = f"{statistics.mean(tests):.2f} ± {statistics.stdev(tests):.2f}"
        gap = f"{statistics.mean(gaps[name]):+.2f} ± {statistics.stdev(gaps[name]):.2f}"
        print(
            f"  {pad(name, 22)} 训练 {train}，测试 {test}，差距 {gap} / train {train}, test "
            f"{test}, gap {gap}"
        )
    return gaps


def overfitting_verdict(none, best, control, noise):
    """The article's reason is the smaller feature map. 成立 when pooling narrows the gap (none →
    best) by more than the seeds' spread ``noise`` and plain subsampling with the same smaller
    layer (``control``) narrows it too: a smaller map is enough, as the article says.
    有条件成立 when pooling narrows it and the smaller layer does not: it holds through
    aggregating neighbours, on a task where position varies. 不成立 when pooling does not
    narrow it by more than the spread."""
    weights = f"{8 * 16 * 16 * 2} → {8 * 8 * 8 * 2}"
    # the control has pooling's smaller linear layer: if it narrowed the gap as much, the size
    # would explain it; it does not, so aggregating neighbours does
    smaller_layer_explains = none - control > noise
    if none - best > noise and not smaller_layer_explains:
        return verdict(
            HOLDS_IF,
            f"这里池化把差距从 {none:.2f} 降到 {best:.2f}，超过种子间的波动 {noise:.2f}。"
            f"不是因为后面的线性层变小（{weights} 个权重）：同样小的线性层、只降采样不聚合时差距是 "
            f"{control:.2f}。起作用的是把相邻像素聚合起来（对位置不那么敏感）；"
            "要看任务，这里条形的位置是随机的。",
            f"here pooling narrows the gap from {none:.2f} to {best:.2f}, more than the seeds' "
            f"spread ({noise:.2f}). Not through the smaller linear layer ({weights} weights): the "
            f"same smaller layer after plain subsampling leaves a gap of {control:.2f}. What helps "
            "is aggregating neighbours (less sensitive to position), on a task where the bars "
            "can be anywhere.",
        )
    if none - best > noise:
        return verdict(
            HOLDS,
            f"这里池化把差距从 {none:.2f} 降到 {best:.2f}；只降采样（同样小的线性层）也降到 "
            f"{control:.2f}：是特征图和线性层变小起的作用，与文章说的一样。",
            f"here pooling narrows the gap from {none:.2f} to {best:.2f}; plain subsampling with "
            f"the same smaller layer narrows it to {control:.2f}: the smaller map and layer do "
            "it, as the article says.",
        )
    return verdict(
        DOES_NOT_HOLD,
        f"这里差距 {none:.2f} 与 {best:.2f} 的差别没有超过种子间的波动 {noise:.2f}。",
        f"here the gaps {none:.2f} and {best:.2f} differ by less than the seeds' spread.",
    )


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section("salient-features", "池化层：“保留显著特征”", salient_features),
    Section(
        "downsampling", "池化层：“降低特征维度”“简化网络计算复杂度”", downsampling, uses_image=True
    ),
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
        uses_image=True,
        figures=("invariance",),
    ),
    Section("overfitting", "池化层：“在一定程度上避免过拟合的出现”", overfitting),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS)


if __name__ == "__main__":
    sys.exit(run_command(main))
