"""文章之外 / Beyond the article: what a learner asks next about pooling and the linear layer.

    python lesson3/beyond_the_article.py --list
    python lesson3/beyond_the_article.py --output-size --size 7 --kernel 3 --stride 2 --padding 1

No flag runs every section. The article's own code is in nn_layers_others.py.
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
from lab.pool_windows import (
    POOLS,
    first_line,
    formula_steps,
    pool_by_hand,
    pool_output_size,
)
from lesson_cli.console import InputError

# ================================= 反池化、上采样与转置卷积 ==================================


def unpool_vs_upsample():
    """反池化、上采样与转置卷积 / (a) unpooling, (b) upsampling, (c) transposed convolution"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.randint(high=10, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)

    # (a) 反池化: each value goes back to where its maximum was, zeros elsewhere (sparse)
    img_unpool = nn.MaxUnpool2d((2, 2), stride=(2, 2))(img_pool, indices)
    # (b) 上采样: copies (nearest) or interpolates (bilinear); needs no indices
    img_nearest = nn.Upsample(scale_factor=2, mode="nearest")(img_pool)
    img_bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)(img_pool)
    # (c) 转置卷积: each input value times the whole kernel; kernel 2, stride 2: no overlap
    deconv_layer = nn.ConvTranspose2d(1, 1, kernel_size=2, stride=2, bias=False)
    deconv_layer.weight.data = torch.tensor([[[[1.0, 0.5], [0.25, 0.0]]]])
    img_deconv = deconv_layer(img_pool).detach()

    print("raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool))
    print("(a) nn.MaxUnpool2d:\n{}".format(img_unpool))
    print("(b) nn.Upsample(mode='nearest'):\n{}".format(img_nearest))
    print("(b) nn.Upsample(mode='bilinear'):\n{}".format(img_bilinear))
    print(
        "(c) nn.ConvTranspose2d, weight {}:\n{}".format(
            deconv_layer.weight.data.tolist(), img_deconv
        )
    )
    print(
        "    kernel 2、stride 2 时窗口不重叠：每个 2×2 块 = 一个输入值 × 卷积核"
        " / no overlap: each 2×2 block is one input value times the kernel"
    )
    deconv_is_no_inverse(img_tensor, deconv_layer)
    odd_size_needs_output_size(maxpool_layer)
    even_size_needs_output_size()
    repeated_indices()
    panels = {
        "raw_img": img_tensor,
        "img_pool (MaxPool2d)": img_pool,
        "(a) MaxUnpool2d": img_unpool,
        "(b) Upsample nearest": img_nearest,
        "(b) Upsample bilinear": img_bilinear,
        "(c) ConvTranspose2d": img_deconv,
    }
    plots.unpool_vs_upsample(panels, indices)


def deconv_is_no_inverse(img_tensor, deconv_layer):
    """转置卷积不是卷积的逆 / a transposed convolution does not undo a convolution"""
    import torch.nn as nn

    conv_layer = nn.Conv2d(1, 1, kernel_size=2, stride=2, bias=False)
    conv_layer.weight.data = deconv_layer.weight.data
    round_trip = deconv_layer(conv_layer(img_tensor)).detach()
    print(
        "conv → ConvTranspose2d (same weight) 与原图最大差异 / largest difference from raw_img:"
        " {:.4f}".format((round_trip - img_tensor).abs().max().item())
    )


def odd_size_needs_output_size(maxpool_layer):
    """output_size 的歧义 / a 5×5 and a 4×4 input both pool to 2×2"""
    import torch
    import torch.nn as nn

    img_odd = torch.arange(24.0, -1.0, -1.0).reshape(1, 1, 5, 5)  # each window's max: top-left
    img_pool_odd, indices_odd = maxpool_layer(img_odd)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    guessed = maxunpool_layer(img_pool_odd, indices_odd)  # assumes 4×4, reads the indices 4 wide
    told = maxunpool_layer(img_pool_odd, indices_odd, output_size=img_odd.shape[-2:])
    print("5×5 输入 input, indices {}".format(indices_odd.flatten().tolist()))
    print(
        "不给 output_size → 4×4，位置错了 / without output_size, wrong places:\n{}".format(guessed)
    )
    print("output_size=(5, 5) → 回到最大值的位置 / back where the maxima were:\n{}".format(told))
    print("（index ≥ 16 时 PyTorch 报错）/ (an index ≥ 16 raises 'Found an invalid max index')")


def even_size_needs_output_size():
    """偶数尺寸也会出错 / even sizes too: with padding, unpooling guesses a smaller size"""
    import re

    import torch
    import torch.nn as nn

    img_even = torch.arange(64.0).reshape(1, 1, 8, 8)
    img_pool_even, indices_even = nn.MaxPool2d(3, 2, padding=1, return_indices=True)(img_even)
    maxunpool_layer = nn.MaxUnpool2d(3, 2, padding=1)
    guess = maxunpool_layer(img_pool_even, indices_even, output_size=(8, 8)).shape[-1]
    try:
        maxunpool_layer(img_pool_even, indices_even)
        without = "ok"
    except RuntimeError as error:
        # which index PyTorch names depends on the thread count: overlapping windows share
        # indices, so only the reason is printed
        without = re.sub(r"index: \d+ ", "index ", str(error).splitlines()[0])
        without = without.rstrip(")") + ")"  # torch 2.3 leaves the parenthesis open
    print(
        "MaxPool2d(3, 2, padding=1): 8×8 → {}×{}; MaxUnpool2d(3, 2, padding=1): "
        "(4 - 1)·2 - 2·1 + 3 = 7×7: {}; output_size=(8, 8) → {}×{}".format(
            *img_pool_even.shape[-2:], without, guess, guess
        )
    )


def repeated_indices():
    """Overlapping windows can share a maximum: max pooling's backward adds their gradients
    where unpooling writes one value, so the two agree only when windows do not overlap."""
    import torch
    import torch.nn as nn

    img = torch.zeros(1, 1, 8, 8)
    img[0, 0, 3, 3] = 1.0  # one bright pixel: every window that covers it picks it
    print("8×8 的全 0 输入，(3, 3) 处一个亮点 / zeros with one bright pixel at (3, 3):")
    for kernel, stride, padding in ((3, 2, 1), (2, 2, 0)):
        x = img.clone().requires_grad_(True)
        pooled, indices = nn.MaxPool2d(kernel, stride, padding, return_indices=True)(x)
        pooled.sum().backward()  # each pixel gets 1 from every window whose maximum it is
        unpool = nn.MaxUnpool2d(kernel, stride, padding)
        written = unpool(torch.ones_like(pooled), indices, output_size=img.shape[-2:])
        windows, added = int((indices == 27).sum()), f"{x.grad[0, 0, 3, 3]:.0f}"
        once, equal = f"{written[0, 0, 3, 3]:.0f}", torch.equal(x.grad, written)
        print(
            f"  MaxPool2d({kernel}, {stride}, padding={padding})：最大值是亮点的窗口 {windows} 个，"
            f"反向传播在那里加起来得 {added}，反池化只写一次 {once}，两者相同：{equal} / windows "
            f"whose max is the bright pixel: {windows}; backward adds there: {added}; unpooling "
            f"writes once: {once}; equal: {equal}"
        )
    print(
        "  重复的 index 上反池化留下哪个窗口的值没有规定（PyTorch 文档：indices 有重复时结果可能\n"
        "  不确定）。上面 8×8 的 arange 报错时，≥ 49 的 index 有好几个，多线程时先查到哪一个不\n"
        "  一定，所以这里只打印原因、不打印 index / which window's value unpooling keeps at a\n"
        "  repeated index is unspecified (PyTorch's docs: repeated indices may be\n"
        "  nondeterministic); and the 8×8 arange above has several indices ≥ 49 that do not fit,\n"
        "  so which one the error names depends on the threads: only the reason is printed"
    )


# ================================= 池化输出尺寸 output size ==================================


def pooled_length(layer, size):
    """What ``layer`` (a MaxPool2d or AvgPool2d over one row) makes of ``size`` pixels: PyTorch's
    own answer and its own errors, on the meta device, which works out shapes and computes
    nothing, so a million pixels answer at once."""
    import torch

    return layer(torch.zeros(1, 1, 1, size, device="meta")).shape[-1]


def row_pool(pool_class, kernel, stride, padding, dilation=1, ceil_mode=False):
    """A 2-D pooling layer that pools along the width only, so any size fits in memory."""
    extra = {"dilation": (1, dilation)} if dilation != 1 else {}
    return pool_class((1, kernel), (1, stride), (0, padding), ceil_mode=ceil_mode, **extra)


def length_or_error(compute, *args):
    """The output length as text, or "error" where the formula or PyTorch refuses the input."""
    try:
        return str(compute(*args))
    except (ValueError, RuntimeError):  # ours raises ValueError, PyTorch RuntimeError
        return "error"


MAX_SIZE = 1_000_000  # every number of --output-size: a million pixels is more than any picture


def output_size(img, size=None, kernel=None, stride=None, padding=0, dilation=1, ceil_mode=False):
    """池化输出尺寸的计算规则 / pooling's output-size rule, checked against PyTorch"""
    print("out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1")
    print("ceil_mode=True: 向上取整，但最后一个窗口不能从右侧填充区开始 / rounds up, except that")
    print("                a window starting inside the right-hand padding is dropped")
    if (size, kernel, stride, padding, dilation, ceil_mode) != (None, None, None, 0, 1, False):
        learners_numbers(size, kernel, stride, padding, dilation, ceil_mode)
    else:
        output_size_table(img.height)


def learners_numbers(size, kernel, stride, padding, dilation, ceil_mode):
    """--output-size --size N --kernel K ...: each step of the rule, next to PyTorch; where a
    number is given as two (H W), the rule once per axis, next to PyTorch's 2-D layers."""
    import torch.nn as nn

    if size is None or kernel is None:
        raise InputError(
            "--output-size 需要 --size 和 --kernel 两个数 / needs both --size and --kernel"
        )
    stride = kernel if stride is None else stride
    numbers = (size, kernel, stride, padding, dilation)
    if any(isinstance(number, tuple) for number in numbers):
        return learners_pairs(*numbers, ceil_mode)
    print(
        f"in = {size}, kernel = {kernel}, stride = {stride}, padding = {padding}, "
        f"dilation = {dilation}, ceil_mode = {ceil_mode}"
    )
    try:
        max_out = pooled_length(
            row_pool(nn.MaxPool2d, kernel, stride, padding, dilation, ceil_mode), size
        )
    except (RuntimeError, ValueError) as error:
        raise InputError(
            f"PyTorch 拒绝这些数 / nn.MaxPool2d refuses them: {first_line(error)}"
        ) from None
    for step in formula_steps(size, kernel, stride, padding, dilation, ceil_mode):
        print("  " + step)
    formula = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    avg_out = "— (AvgPool2d 没有 dilation / has no dilation)"
    if dilation == 1:
        avg_pool = row_pool(nn.AvgPool2d, kernel, stride, padding, 1, ceil_mode)
        avg_out = pooled_length(avg_pool, size)
    print(f"公式 formula: {formula}   nn.MaxPool2d: {max_out}   nn.AvgPool2d: {avg_out}")


def learners_pairs(size, kernel, stride, padding, dilation, ceil_mode):
    """The rule once per axis (height, then width) for numbers given as pairs, next to
    nn.MaxPool2d's and nn.AvgPool2d's 2-D answer on the meta device (shapes only)."""
    import torch
    import torch.nn as nn

    from lab.pool_windows import Settings, axes, shape_text

    settings = Settings("max", size, kernel, stride, padding, dilation, ceil_mode)
    print(
        f"in = {size}, kernel = {kernel}, stride = {stride}, padding = {padding}, "
        f"dilation = {dilation}, ceil_mode = {ceil_mode}"
    )
    height, width = (axis.size for axis in axes(settings))
    layer = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    blank = torch.zeros(1, 1, height, width, device="meta")  # shapes only: nothing is computed
    try:
        max_out = layer(blank).shape[-2:]
    except (RuntimeError, ValueError) as error:
        raise InputError(
            f"PyTorch 拒绝这些数 / nn.MaxPool2d refuses them: {first_line(error)}"
        ) from None
    formula = []
    for name, axis in zip(("H", "W"), axes(settings)):
        print(f"  {name}:")
        for step in formula_steps(*axis):
            print("    " + step)
        formula.append(pool_output_size(*axis))
    avg_out = "— (AvgPool2d 没有 dilation / has no dilation)"
    if all(axis.dilation == 1 for axis in axes(settings)):
        avg_layer = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
        avg_out = shape_text(avg_layer(blank).shape[-2:])
    print(
        f"公式 formula: {shape_text(formula)}   nn.MaxPool2d: {shape_text(max_out)}"
        f"   nn.AvgPool2d: {avg_out}"
    )


def output_size_table(height):
    """The rule on the image's height and a few small sizes; every note is checked, not assumed."""
    import torch.nn as nn

    print(f"图片高度 / image height: {height}")
    rows = [  # in, kernel, stride, padding, dilation, ceil_mode, note (None: from the result)
        (height, 2, 2, 0, 1, False, None),
        (height, 2, 2, 1, 1, False, None),
        (height, 3, 1, 1, 1, False, None),
        (height, 3, 2, 0, 1, False, "向下取整 / floor"),
        (height, 3, 2, 0, 1, True, None),
        (6, 3, 2, 1, 1, False, "向下取整 / floor"),
        (6, 3, 2, 1, 1, True, "ceil_mode 改变结果 / changes the answer"),
        (
            5,
            2,
            2,
            1,
            1,
            True,
            "向上取整得 4，但第 4 个窗口从填充区开始，被丢弃"
            " / 4, but window 4 starts in the padding: dropped",
        ),
        (7, 3, 1, 0, 2, False, "dilation=2: 窗口覆盖 5 个像素 / the window spans 5"),
        (8, 2, 2, 2, 1, False, "padding > kernel / 2: 三列都报错 / all three refuse it"),
    ]
    print("   in  kernel stride padding dilation ceil_mode | formula MaxPool2d AvgPool2d | note")
    formulas = []
    for size, kernel, stride, padding, dilation, ceil_mode, note in rows:
        settings = (kernel, stride, padding, dilation, ceil_mode)
        formula = length_or_error(pool_output_size, size, *settings)
        max_out = length_or_error(pooled_length, row_pool(nn.MaxPool2d, *settings), size)
        avg_out = "-"  # AvgPool2d has no dilation
        if dilation == 1:
            avg_pool = row_pool(nn.AvgPool2d, kernel, stride, padding, 1, ceil_mode)
            avg_out = length_or_error(pooled_length, avg_pool, size)
        if note is None or (size == height and formula == "error"):
            note = note_on_the_image(height, settings, formula, formulas)
        formulas.append(formula)
        print(
            f"{size:5d} {kernel:7d} {stride:6d} {padding:7d} {dilation:8d} {ceil_mode!s:>9} |"
            f" {formula:>7} {max_out:>9} {avg_out:>9} | {note}"
        )


def note_on_the_image(height, settings, out, earlier):
    """What a row on the image's own height shows: true for this image, whatever its size."""
    kernel, stride, padding, dilation, ceil_mode = settings
    if out == "error":
        return "窗口比图片大 / the window is larger than the image"
    if ceil_mode:
        if out != earlier[-1]:  # the row before is the same layer with floor rounding
            return "ceil_mode 多出一个窗口 / one more window"
        return "ceil_mode 没有区别：正好整除 / same as floor: it divides evenly"
    if padding == 0:
        if height == 512:
            return "文章 the article: 512 → 256"
        return f"文章的层 the article's layer: {height} → {out}"
    if out == str(height):
        return "保持尺寸 keeps the size (stride=1, padding=dilation·(k-1)/2)"
    return "padding 没有保持尺寸 / padding does not keep the size"


# ================================= 手写池化 pooling from scratch ==================================


def pool_from_scratch():
    """手写最大池化和平均池化 / max and average pooling written as loops, next to PyTorch"""
    import torch

    x = torch.tensor(
        [
            [1.0, 2, 3, 4, 5],
            [6, 7, 8, 9, 10],
            [11, 12, 13, 14, 15],
            [16, 17, 18, 19, 20],
            [21, 22, 23, 24, 25],
        ]
    )
    print("x (5×5):\n{}".format(x.int()))
    for name, options, layer in scratch_cases():
        by_hand, divisors = pool_by_hand(x, **options)
        by_pytorch = layer(x[None, None])[0, 0]
        print(f"--- {name} ---")
        print("手写 / by hand:\n{}\nnn.{}:\n{}".format(by_hand, name.split("(")[0], by_pytorch))
        print("相同 / equal: {}".format(torch.allclose(by_hand, by_pytorch)))
        if options.get("mode") == "avg":
            print("每个窗口的分母 / each window divides by: {}".format(divisors))
    print(
        "分母默认是 kernel 面积（填充也算）；count_include_pad=False 只数真实像素；\n"
        "  ceil_mode 让窗口伸出边界时，伸出去的部分从不计入；divisor_override 直接替换分母\n"
        "  / the divisor is the kernel area, padding included; count_include_pad=False counts\n"
        "  real pixels only; the part of a ceil_mode window beyond the padding never counts;\n"
        "  divisor_override replaces it"
    )


def scratch_cases():
    """(name, pool_by_hand's options, the PyTorch layer) for each layer pooled by hand."""
    import torch.nn as nn

    return [
        ("MaxPool2d(2, stride=2)", dict(kernel=2), nn.MaxPool2d(2, 2)),
        (
            "MaxPool2d(2, stride=2, ceil_mode=True)",
            dict(kernel=2, ceil_mode=True),
            nn.MaxPool2d(2, 2, ceil_mode=True),
        ),
        (
            "AvgPool2d(3, stride=2, padding=1)",
            dict(kernel=3, stride=2, padding=1, mode="avg"),
            nn.AvgPool2d(3, 2, padding=1),
        ),
        (
            "AvgPool2d(3, stride=2, padding=1, count_include_pad=False)",
            dict(kernel=3, stride=2, padding=1, mode="avg", count_include_pad=False),
            nn.AvgPool2d(3, 2, padding=1, count_include_pad=False),
        ),
        (
            "AvgPool2d(2, stride=2, ceil_mode=True)",
            dict(kernel=2, ceil_mode=True, mode="avg"),
            nn.AvgPool2d(2, 2, ceil_mode=True),
        ),
        (
            "AvgPool2d(2, stride=2, divisor_override=3)",
            dict(kernel=2, mode="avg", divisor_override=3),
            nn.AvgPool2d(2, 2, divisor_override=3),
        ),
    ]


# ============================= 从特征图到线性层 global pooling =============================


def global_pooling():
    """从特征图到线性层：自适应池化、全局平均池化、Flatten / from a feature map to nn.Linear"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8, 10))
    for size in [(32, 32), (48, 40)]:
        img = torch.rand(1, 3, *size)
        features = conv(img)
        print(f"--- 输入 input {tuple(img.shape)} ---")
        print(f"  Conv2d(3, 8, 3, padding=1)               → {tuple(features.shape)}")
        for layer in (nn.AdaptiveAvgPool2d((2, 2)), nn.AdaptiveMaxPool2d((2, 2))):
            print(f"  {layer!r:<40} → {tuple(layer(features).shape)}")
        x = features
        for layer in head:
            x = layer(x)
            print(f"  {layer!r:<40} → {tuple(x.shape)}")
        gap = features.mean(dim=(2, 3))
        print(
            "  全局平均池化 = 每个通道的平均值 / global average pooling = each channel's mean: "
            f"{torch.allclose(head[0](features).flatten(1), gap)}"
        )
    adaptive_windows()
    without_adaptive_pooling(conv)


def adaptive_windows():
    """自适应池化的窗口 / AdaptiveAvgPool2d's windows where out does not divide in, from the
    window model, next to PyTorch"""
    import torch
    import torch.nn as nn

    from lab.pool_windows import Settings, pool_with, windows_of

    print("--- 自适应池化的窗口 / AdaptiveAvgPool2d's windows, out not dividing in ---")
    print("  窗口 / windows [start, end): start = ⌊i·in/out⌋, end = ⌈(i+1)·in/out⌉")
    for size, out in ((7, 3), (5, 3)):
        row = torch.arange(float(size))
        settings = Settings("adaptive-avg", (size,), adaptive_size=(out,))  # one axis
        (windows,) = windows_of(settings)
        print(f"  {size} → {out}，像素 / pixels 0–{size - 1}:")
        print(" " * 15 + " ".join(map(str, range(size))))
        for index, window in enumerate(windows):
            start, end = window.start, window.start + window.extent
            bar = " ".join("■" if start <= p < end else "·" for p in range(size))
            print(f"    {index}: {f'[{start}, {end})':<8}{bar}")
        shared = [p for p in range(size) if sum(p in w.taps for w in windows) > 1]
        if shared:
            print(f"    重复读的像素 / pixels read by two windows: {shared}")
        by_pytorch = nn.AdaptiveAvgPool2d((1, out))(row.reshape(1, 1, 1, size))
        print(
            "    手算 / by hand: {} = nn.AdaptiveAvgPool2d((1, {})) {}".format(
                pool_with(row, settings)[0].tolist(), out, by_pytorch.flatten().tolist()
            )
        )


def without_adaptive_pooling(conv):
    """没有自适应池化 / a fixed Flatten → Linear fits one input size only"""
    import torch
    import torch.nn as nn

    print("--- 没有自适应池化 / without adaptive pooling ---")
    fixed = nn.Sequential(conv, nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 16 * 16, 10))
    print(f"  {tuple(fixed(torch.rand(1, 3, 32, 32)).shape)}: 32×32 可以 / works (8·16·16 = 2048)")
    try:
        fixed(torch.rand(1, 3, 48, 40))
    except RuntimeError as error:
        print(f"  48×40: RuntimeError: {first_line(error)}")
    print(
        "  Flatten 之后的长度 C·H·W = 8·24·20 = 3840 随图片大小而变，\n"
        "  而 Linear 的 in_features 固定为 2048；"
        "自适应池化把任何尺寸都变成 1×1，所以 Linear(8, 10) 总能接上\n"
        "  / after Flatten the length C·H·W depends on the image size, but in_features is fixed;\n"
        "  adaptive pooling makes every size 1×1, so Linear(8, 10) always fits"
    )


# ============================ 看池化发生 see pooling happen ============================

EXPLORE_LIMIT = 32  # --explore draws every pixel: up to 32×32
OPEN_EXPLORERS = []  # the explorers whose windows are open: alive until they close


def explore(backward=False, **layer):
    """池化探索器 / the pooling explorer: every window of the layer, drawn over its input

    With a display (--show) the controls are sliders and buttons and the figure redraws on
    each change; without one, explore.png shows the settings given (--size, --kernel, --stride,
    --padding, --dilation, each one number or two (H W), --ceil-mode, --pool,
    --adaptive-size, --no-count-include-pad, --divisor-override, --backward), and the same
    text is printed."""
    from lab import pool_explorer
    from lab.pool_windows import Settings, adaptive, sizes
    from lesson_cli.figures import windows_can_open

    # what is not given takes the explorer's default (5×5, kernel 2, max pooling)
    settings = Settings(**{option: value for option, value in layer.items() if value is not None})
    if settings.adaptive_size is not None and not adaptive(settings):
        raise InputError(
            "--adaptive-size 只用于自适应池化 / goes with --pool adaptive-max or adaptive-avg"
        )
    if max(sizes(settings)) > EXPLORE_LIMIT:
        raise InputError(
            f"--explore 最多画 {EXPLORE_LIMIT}×{EXPLORE_LIMIT} / draws up to "
            f"--size {EXPLORE_LIMIT}: use --output-size for {settings.size}"
        )
    try:  # before torch loads: a refusal in a moment
        extent = pool_explorer.drawing_extent(settings)
    except ValueError:  # no window fits: PyTorch says why, below
        extent = 0
    if extent > pool_explorer.DRAWING_LIMIT:
        raise InputError(
            f"--explore 最多画每边 {pool_explorer.DRAWING_LIMIT} 格（含填充和窗口），这里要 "
            f"{extent} 格 / draws at most {pool_explorer.DRAWING_LIMIT} cells a side, padding "
            f"and windows included, and these settings span {extent}: use --output-size"
        )
    state = pool_explorer.explore_state(settings, backward=backward)
    if state["refusal"] is not None:
        raise InputError(f"PyTorch 拒绝这些数 / PyTorch refuses them: {state['refusal']}")
    if windows_can_open():
        # alive until its window closes
        OPEN_EXPLORERS.append(pool_explorer.Explorer(settings, backward=backward))
    else:
        pool_explorer.static_figure(settings, backward=backward)
    print("\n".join(state["lines"]))


def animate():
    """池化动画 / four GIFs: MaxPool2d → MaxUnpool2d, ceil_mode's dropped window, AvgPool2d's
    divisors, the backward pass of overlapping max pooling (every number from the layers)"""
    from lab import pool_animations

    made = pool_animations.animations()
    for name, animation in made.items():
        print(f"{name}: {len(animation.lesson_frames)} 帧 frames")
    return made


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections, whole_number


def one_or_two(low):
    """An argparse action for one number or two (height, width), each from ``low`` to
    MAX_SIZE: two give a tuple, as PyTorch takes them."""
    from argparse import Action, ArgumentError

    class OneOrTwo(Action):
        def __call__(self, parser, namespace, values, option_string=None):
            if len(values) > 2:
                raise ArgumentError(
                    self,
                    f"给一个数或两个数 (H W) / takes one number or two (H W), got {len(values)}",
                )
            setattr(namespace, self.dest, values[0] if len(values) == 1 else tuple(values))

    return {"type": whole_number(low, MAX_SIZE), "nargs": "+", "action": OneOrTwo}


def add_output_size_options(parser):
    group = parser.add_argument_group(
        "--output-size 的参数，每个给一个数或两个数 (H W) / your own numbers for --output-size,"
        " each one number or two (H W)"
    )
    positive, natural = one_or_two(1), one_or_two(0)
    group.add_argument("--size", metavar="N", help="输入边长 / input length", **positive)
    group.add_argument("--kernel", metavar="K", help="kernel_size", **positive)
    group.add_argument("--stride", metavar="S", help="stride (default: K)", **positive)
    group.add_argument("--padding", default=0, metavar="P", help="padding (default 0)", **natural)
    group.add_argument(
        "--dilation", default=1, metavar="D", help="dilation (default 1)", **positive
    )
    group.add_argument("--ceil-mode", action="store_true", help="ceil_mode=True")
    group = parser.add_argument_group("--explore 的参数 / the explorer's layer (also the above)")
    group.add_argument(
        "--pool",
        choices=POOLS,
        default="max",
        help="MaxPool2d, AvgPool2d, AdaptiveMaxPool2d or AdaptiveAvgPool2d (max)",
    )
    group.add_argument(
        "--adaptive-size",
        metavar="H",
        help="自适应池化的输出尺寸 / output_size of --pool adaptive-max or adaptive-avg (3)",
        **positive,
    )
    group.add_argument(
        "--no-count-include-pad",
        dest="count_include_pad",
        action="store_false",
        help="AvgPool2d(count_include_pad=False)",
    )
    group.add_argument(
        "--divisor-override",
        type=whole_number(1, MAX_SIZE),
        metavar="N",
        help="AvgPool2d(divisor_override=N)",
    )
    group.add_argument(
        "--backward",
        action="store_true",
        help="每个输入像素收到的梯度 / what each input pixel receives in the backward pass",
    )


OUTPUT_SIZE_OPTIONS = ("size", "kernel", "stride", "padding", "dilation", "ceil_mode")
SECTIONS = [
    Section(
        "unpool-vs-upsample",
        "反池化 vs 上采样 vs 转置卷积 / unpooling, upsampling, transposed convolution",
        unpool_vs_upsample,
        figures=("unpool_vs_upsample",),
    ),
    Section(
        "output-size",
        "池化输出尺寸的规则 / the output-size rule",
        output_size,
        uses_image=True,
        options=OUTPUT_SIZE_OPTIONS,
    ),
    Section("pool-from-scratch", "手写池化 / pooling written as loops", pool_from_scratch),
    Section("global-pooling", "从特征图到线性层 / from a feature map to nn.Linear", global_pooling),
    Section(
        "explore",
        "池化探索器 / the pooling explorer: every window, drawn",
        explore,
        figures=("explore",),
        options=OUTPUT_SIZE_OPTIONS
        + ("pool", "adaptive_size", "count_include_pad", "divisor_override", "backward"),
    ),
    Section(
        "animate",
        "池化动画 / four animations: unpooling, ceil_mode, the average's divisor, the backward"
        " pass",
        animate,
        figures=("maxpool_unpool.gif", "ceil_mode.gif", "avgpool_divisor.gif", "pool_backward.gif"),
    ),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS, add_options=add_output_size_options)


if __name__ == "__main__":
    sys.exit(run_command(main))
