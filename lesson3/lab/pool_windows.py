"""用于 used by beyond_the_article.py (--output-size, --pool-from-scratch, --explore, --animate).

池化的窗口 / Where each pooling window sits, and what it computes: PyTorch's rules for
nn.MaxPool2d and nn.AvgPool2d written out (output size, padding, dilation, ceil_mode, every
average's divisor), and for nn.MaxUnpool2d's output size.

beyond_the_article.py's --output-size, --pool-from-scratch and --explore, and the animations,
all use this one model; tests/test_pool_windows.py checks it against PyTorch on a whole grid of
settings.
"""

import collections

# One pooling layer as the explorer shows it: the same numbers on both axes of a square input.
Settings = collections.namedtuple(
    "Settings",
    "pool size kernel stride padding dilation ceil_mode count_include_pad divisor_override",
    defaults=("max", 5, 2, None, 0, 1, False, True, None),
)


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """池化输出尺寸 / Output length of nn.MaxPool2d and nn.AvgPool2d along one dimension.

    out = floor((in + 2·padding - dilation·(kernel - 1) - 1) / stride) + 1, rounded up instead
    with ceil_mode=True, except that a window may not start inside the right-hand padding.
    Raises ValueError where PyTorch raises.
    """
    stride = kernel_size if stride is None else stride
    if kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError("kernel_size, stride and dilation must be positive, padding not negative")
    if padding > kernel_size // 2:
        raise ValueError("pad should be at most half of kernel size")
    numerator = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        out = -(-numerator // stride) + 1  # ceil division
        if (out - 1) * stride >= size + padding:  # the last window would start in the padding
            out -= 1
    else:
        out = numerator // stride + 1  # floor division, also for negative numerators
    if out < 1:
        raise ValueError("output size is too small")
    return out


def formula_steps(size, kernel, stride, padding, dilation, ceil_mode):
    """The output-size rule worked through with these numbers, a line a step."""
    numerator = size + 2 * padding - dilation * (kernel - 1) - 1
    rounding = "ceil 向上" if ceil_mode else "floor 向下"
    rounded = -(-numerator // stride) if ceil_mode else numerator // stride
    lines = [
        f"1. in + 2·padding - dilation·(kernel - 1) - 1 = {size} + 2·{padding} - "
        f"{dilation}·({kernel} - 1) - 1 = {numerator}",
        f"2. {numerator} / stride = {numerator} / {stride} = {numerator / stride:g}"
        f" → {rounding} → {rounded}",
        f"3. + 1 = {rounded + 1}",
    ]
    dropped = dropped_window_start(size, kernel, stride, padding, dilation, ceil_mode)
    if dropped is not None:
        lines.append(
            f"4. 第 {rounded + 1} 个窗口从 {dropped} 开始，在右侧填充区，丢弃"
            f" / window {rounded + 1} would start at {dropped}, inside the"
            f" right-hand padding: dropped → {rounded}"
        )
    return lines


def dropped_window_start(size, kernel, stride, padding, dilation, ceil_mode):
    """Where the window ceil_mode's rounding asks for, but PyTorch drops, would start (it would
    start inside the right-hand padding); None when no window is dropped."""
    numerator = size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode or numerator < 0:
        return None
    rounded = -(-numerator // stride)
    start = rounded * stride - padding
    return start if start >= size else None


def window_starts(size, kernel, stride, padding, dilation, ceil_mode):
    """Where each window starts along one axis (negative: in the left padding)."""
    out = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode)
    return [index * stride - padding for index in range(out)]


def windows_added_by_ceil(size, kernel, stride, padding, dilation):
    """How many windows a side ceil_mode=True adds to floor's count (0 or 1)."""
    ceil = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode=True)
    try:
        floor = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode=False)
    except ValueError:
        floor = 0
    return ceil - floor


def taps(start, size, kernel, dilation):
    """The input positions a window starting at ``start`` reads that are real pixels (the rest
    are padding: −∞ for max pooling, so they never win)."""
    return [p for p in range(start, start + dilation * (kernel - 1) + 1, dilation) if 0 <= p < size]


def average_span(start, size, kernel, padding):
    """(pixels + padding, real pixels) an average window covers along one axis: it may cover the
    padding, but never beyond it (ceil_mode's last window can reach past the padding)."""
    end = min(start + kernel, size + padding)
    return end - start, min(end, size) - max(start, 0)


def window_divisor(top, left, height, width, kernel, padding, count_include_pad, override):
    """What AvgPool2d divides the sum of the window at (top, left) by."""
    if override:
        return override
    rows, real_rows = average_span(top, height, kernel, padding)
    cols, real_cols = average_span(left, width, kernel, padding)
    return rows * cols if count_include_pad else real_rows * real_cols


def pool_by_hand(
    x,
    kernel,
    stride=None,
    padding=0,
    ceil_mode=False,
    mode="max",
    count_include_pad=True,
    divisor_override=None,
    dilation=1,
):
    """Max or average pooling of a 2-D tensor, window by window: what nn.MaxPool2d and
    nn.AvgPool2d compute. Returns the pooled tensor and, for "avg", what each window divides by."""
    import torch

    stride = stride or kernel
    height, width = x.shape
    tops = window_starts(height, kernel, stride, padding, dilation, ceil_mode)
    lefts = window_starts(width, kernel, stride, padding, dilation, ceil_mode)
    values = x.tolist()  # plain numbers: a window at a time is faster in Python than in torch
    out = [[0.0] * len(lefts) for _ in tops]
    divisors = [[None] * len(lefts) for _ in tops]
    for i, top in enumerate(tops):
        for j, left in enumerate(lefts):
            rows, cols = taps(top, height, kernel, dilation), taps(left, width, kernel, dilation)
            window = [values[r][c] for r in rows for c in cols]
            if mode == "max":  # the padding counts as -∞: it never wins, but may be all there is
                out[i][j] = max(window, default=float("-inf"))
                continue
            divisors[i][j] = window_divisor(
                top, left, height, width, kernel, padding, count_include_pad, divisor_override
            )
            out[i][j] = sum(window) / divisors[i][j]
    out = torch.tensor(out, dtype=x.dtype)
    return out, divisors


def pool_with(x, settings):
    """pool_by_hand of a square 2-D ``x`` with one layer's ``settings``."""
    s = settings
    return pool_by_hand(
        x,
        s.kernel,
        stride=s.stride,
        padding=s.padding,
        ceil_mode=s.ceil_mode,
        mode=s.pool,
        count_include_pad=s.count_include_pad,
        divisor_override=s.divisor_override,
        dilation=s.dilation,
    )


def pytorch_line(settings):
    """The one line of PyTorch that makes this layer."""
    s = settings
    args = [f"kernel_size={s.kernel}", f"stride={s.stride}", f"padding={s.padding}"]
    if s.pool == "max":
        args += [f"dilation={s.dilation}"] * (s.dilation != 1)
    args += ["ceil_mode=True"] * s.ceil_mode
    args += ["count_include_pad=False"] * (not s.count_include_pad)
    args += [f"divisor_override={s.divisor_override}"] * bool(s.divisor_override)
    return f"nn.{'MaxPool2d' if s.pool == 'max' else 'AvgPool2d'}({', '.join(args)})"


def pytorch_layer(settings):
    import torch.nn as nn

    s = settings
    if s.pool == "max":
        # what only AvgPool2d takes is passed when set, so that PyTorch refuses it in its words
        only_avg = {"count_include_pad": False} if not s.count_include_pad else {}
        only_avg.update({"divisor_override": s.divisor_override} if s.divisor_override else {})
        return nn.MaxPool2d(
            s.kernel,
            stride=s.stride,
            padding=s.padding,
            dilation=s.dilation,
            ceil_mode=s.ceil_mode,
            **only_avg,
        )
    dilation = {"dilation": s.dilation} if s.dilation != 1 else {}  # PyTorch says it has none
    return nn.AvgPool2d(
        s.kernel,
        stride=s.stride,
        padding=s.padding,
        ceil_mode=s.ceil_mode,
        count_include_pad=s.count_include_pad,
        divisor_override=s.divisor_override,
        **dilation,
    )


def pytorch_refusal(settings):
    """PyTorch's own reason for refusing these settings (its error's first line), or None.
    The layer runs on a small CPU tensor: the meta device's pooling checks would first import
    torch's symbolic shapes and sympy (about 0.7 s), longer than the pooling itself."""
    import torch

    try:
        layer = pytorch_layer(settings)
        layer(torch.zeros(1, 1, settings.size, settings.size))
    except (RuntimeError, ValueError, TypeError) as error:
        return first_line(error)
    return None


def first_line(error):
    """An error's first line: PyTorch's messages go on with notes and stack details."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def first_tap_from_zero(start, dilation):
    """The first tap of a window starting at ``start`` that is at or past 0."""
    return start + -(-max(0, -start) // dilation) * dilation


def window_max_index(top, left, settings):
    """The flat index MaxPool2d(return_indices=True) gives the window at (top, left) of an
    arange input: row·size + column of its maximum, the window's last real pixel. A window that
    reads no real pixel (all its rows or all its columns are padding) keeps the index PyTorch's
    CPU kernel starts its search from, the first tap at or past 0 in each axis: outside the
    input."""
    s = settings
    rows, cols = (taps(start, s.size, s.kernel, s.dilation) for start in (top, left))
    if rows and cols:
        return rows[-1] * s.size + cols[-1]
    return first_tap_from_zero(top, s.dilation) * s.size + first_tap_from_zero(left, s.dilation)


def unpool_sizes(settings):
    """What nn.MaxUnpool2d(kernel, stride, padding) makes of this layer's pooled arange input:
    its own guess of the size, (out − 1)·stride − 2·padding + kernel, and whether the indices
    fit in it; and, with output_size=the input's size, that size, which it accepts only within
    one stride of its guess and where the indices fit (else None). MaxUnpool2d has no dilation,
    and a window that reads only padding points outside the input (window_max_index)."""
    s = settings
    starts = window_starts(s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode)
    guess = (len(starts) - 1) * s.stride - 2 * s.padding + s.kernel
    largest = max(window_max_index(top, left, s) for top in starts for left in starts)
    # a guess below 1 gives an empty tensor, whatever the indices
    guess_fits = guess < 1 or largest < guess * guess
    fits = guess - s.stride < s.size < guess + s.stride and largest < s.size * s.size
    return guess, guess_fits, (s.size if fits else None)
