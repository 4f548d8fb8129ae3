"""用于 used by beyond_the_article.py (--output-size, --pool-from-scratch, --global-pooling,
--explore, --animate).

池化的窗口 / Where each pooling window sits, what it computes, and where its gradient goes:
PyTorch's rules for nn.MaxPool1d/2d, nn.AvgPool1d/2d, nn.AdaptiveMaxPool1d/2d and
nn.AdaptiveAvgPool1d/2d written out (output size, padding, dilation, ceil_mode, every average's
divisor, adaptive windows), their backward pass, and nn.MaxUnpool1d/2d's output size.

One rule per axis: a window of a 2-D layer is the product of two 1-D windows, one along the
height and one along the width, each chosen by the 1-D rule with that axis's numbers. A square
layer, a rectangular one and a 1-D one all come from the same code.

beyond_the_article.py's sections, the explorer and the animations all use this one model;
tests/test_pool_windows.py checks it against PyTorch (forward and autograd) on grids of settings.
"""

import collections
import itertools

# One pooling layer. ``size``, ``kernel``, ``stride``, ``padding``, ``dilation`` and
# ``adaptive_size`` are each a number (the same on every axis) or a tuple, one number per axis:
# a 1-tuple ``size`` makes a 1-D layer, an int or a pair a 2-D one. ``pool``: "max", "avg",
# "adaptive-max" or "adaptive-avg".
Settings = collections.namedtuple(
    "Settings",
    "pool size kernel stride padding dilation ceil_mode count_include_pad divisor_override"
    " adaptive_size",
    defaults=("max", 5, 2, None, 0, 1, False, True, None, None),
)

# One axis of a layer: the 1-D rule's numbers
Axis = collections.namedtuple("Axis", "size kernel stride padding dilation ceil_mode")

# One window along one axis: where it starts, how many cells its outline spans from there, the
# real positions it reads (the rest is padding), and how many cells an average counts with
# count_include_pad=True (the padding it covers included, never what lies beyond the padding)
Window = collections.namedtuple("Window", "start extent taps covered")

POOLS = ("max", "avg", "adaptive-max", "adaptive-avg")


def dims(settings):
    """1 for a 1-D layer (its size a 1-tuple), else 2."""
    return len(settings.size) if isinstance(settings.size, tuple) else 2


def per_axis(value, count):
    """A setting as one number per axis: a number is the same on every axis."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * count


def axes(settings):
    """The layer's Axis records, height first (the stride defaults to the kernel)."""
    s, n = settings, dims(settings)
    stride = s.kernel if s.stride is None else s.stride
    values = [per_axis(v, n) for v in (s.size, s.kernel, stride, s.padding, s.dilation)]
    return tuple(Axis(*numbers, s.ceil_mode) for numbers in zip(*values))


def adaptive(settings):
    return settings.pool.startswith("adaptive")


def sizes(settings):
    return per_axis(settings.size, dims(settings))


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
    rounding = "ceil" if ceil_mode else "floor"
    rounded = -(-numerator // stride) if ceil_mode else numerator // stride
    lines = [
        f"1. in + 2·padding - dilation·(kernel - 1) - 1 = {size} + 2·{padding} - "
        f"{dilation}·({kernel} - 1) - 1 = {numerator}",
        f"2. {numerator} / stride = {numerator} / {stride} = {quotient(numerator, stride)}"
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


def quotient(numerator, denominator):
    """A quotient to 6 significant digits, or more where its whole part has more: 999995 / 3
    is 333331.67, not 333332 (which would hide the floor)."""
    digits = len(str(abs(numerator) // denominator))
    return f"{numerator / denominator:.{max(6, digits + 2)}g}"


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


def adaptive_span(index, size, out):
    """[start, end) of adaptive pooling's window ``index`` along one axis: start ⌊i·in/out⌋,
    end ⌈(i+1)·in/out⌉. Where ``out`` does not divide ``in`` the windows differ in size and
    neighbours overlap; where out > in, windows repeat pixels."""
    return index * size // out, -(-(index + 1) * size // out)


def axis_windows(axis):
    """The windows of MaxPool/AvgPool along one axis."""
    a = axis
    extent = a.dilation * (a.kernel - 1) + 1
    return [
        Window(start, extent, taps(start, a.size, a.kernel, a.dilation),
               average_span(start, a.size, a.kernel, a.padding)[0])
        for start in window_starts(a.size, a.kernel, a.stride, a.padding, a.dilation, a.ceil_mode)
    ]  # fmt: skip


def adaptive_axis_windows(size, out):
    """The windows of AdaptiveMaxPool/AdaptiveAvgPool along one axis: no padding."""
    spans = [adaptive_span(index, size, out) for index in range(out)]
    return [
        Window(start, end - start, list(range(start, end)), end - start) for start, end in spans
    ]


def windows_of(settings):
    """Per axis, height first, the layer's 1-D windows. Raises ValueError where PyTorch
    refuses the settings (no window fits, too much padding)."""
    if adaptive(settings):
        outs = per_axis(settings.adaptive_size, dims(settings))
        return tuple(adaptive_axis_windows(size, out) for size, out in zip(sizes(settings), outs))
    return tuple(axis_windows(axis) for axis in axes(settings))


def output_cells(settings):
    """Every output cell's window, row-major: one 1-D window per axis, their product."""
    return list(itertools.product(*windows_of(settings)))


def ravel(position, shape):
    """The flat, row-major index of ``position`` in a tensor of ``shape``."""
    index = 0
    for coordinate, length in zip(position, shape):
        index = index * length + coordinate
    return index


def read_positions(cell, shape):
    """The flat indices of the real pixels a window reads, in the order PyTorch's CPU kernels
    scan them (row by row): an axis at a time, each tap times that axis's row-major stride."""
    positions, step = [0], 1
    steps = []
    for length in reversed(shape):
        steps.append(step)
        step *= length
    for window, step in zip(cell, reversed(steps)):
        positions = [p + t * step for p in positions for t in window.taps]
    return positions


def first_max(positions, values):
    """Where a max pooling window's maximum is: the first largest in scan order (PyTorch's CPU
    kernels replace the maximum only with a larger value, or NaN); None if it reads no pixel."""
    best = None
    for position in positions:
        value = values[position]
        if best is None or value > values[best] or value != value:  # value != value: NaN
            best = position
    return best


def divisor(cell, settings):
    """What an average window's sum is divided by."""
    s = settings
    if adaptive(s):
        return product(len(w.taps) for w in cell)
    if s.divisor_override:
        return s.divisor_override
    return product(w.covered if s.count_include_pad else len(w.taps) for w in cell)


def product(numbers):
    result = 1
    for number in numbers:
        result *= number
    return result


def is_max(settings):
    return settings.pool in ("max", "adaptive-max")


def pool_with(x, settings):
    """What the layer of ``settings`` makes of ``x`` (a 1-D or 2-D tensor, no batch or
    channel), window by window. Returns the output and, for averages, each window's divisor
    (nested like the output; None for max pooling)."""
    import torch

    shape, values = tuple(x.shape), x.flatten().tolist()  # plain numbers: faster than torch here
    per_axis_windows = windows_of(settings)
    out, divisors = [], []
    for cell in itertools.product(*per_axis_windows):
        positions = read_positions(cell, shape)
        if is_max(settings):  # the padding counts as −∞: it never wins, but may be all there is
            best = first_max(positions, values)
            out.append(float("-inf") if best is None else values[best])
            divisors.append(None)
            continue
        divisors.append(divisor(cell, settings))
        total = sum(values[p] for p in positions)
        out.append(total / divisors[-1] if divisors[-1] else float("nan"))
    out_shape = tuple(map(len, per_axis_windows))
    return torch.tensor(out, dtype=x.dtype).reshape(out_shape), nest(divisors, out_shape)


def nest(flat, shape):
    """A flat row-major list as nested lists of ``shape``."""
    for length in reversed(shape[1:]):
        flat = [flat[i : i + length] for i in range(0, len(flat), length)]
    return flat


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
    """Max or average pooling of a 1-D or 2-D tensor, window by window: what nn.MaxPool1d/2d
    and nn.AvgPool1d/2d compute. Returns the pooled tensor and, for "avg", what each window
    divides by."""
    settings = Settings(
        mode, tuple(x.shape), kernel, stride, padding, dilation, ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip
    return pool_with(x, settings)


def receive(gradient, position, amount):
    """Backward passes add: a pixel several windows send to receives their sum."""
    gradient[position] += amount


def gradient_by_hand(x, settings, upstream=None):
    """What each element of ``x`` receives in the backward pass of the layer, given the
    gradient of each output cell (``upstream``, flat and row-major; ones by default): max
    pooling sends each output's gradient to its window's maximum, average pooling sends
    gradient / divisor to each real pixel of its window (none to padding), and where windows
    overlap the pixels they share receive the sum. Returns the gradient (shaped like ``x``) and,
    nested the same way, how many windows sent to each pixel."""
    import torch

    shape, values = tuple(x.shape), x.flatten().tolist()
    gradient, senders = [0.0] * len(values), [0] * len(values)
    for index, cell in enumerate(output_cells(settings)):
        sent = 1.0 if upstream is None else upstream[index]
        positions = read_positions(cell, shape)
        if is_max(settings):
            best = first_max(positions, values)
            # a window of padding alone sends nowhere: its index lies outside the input
            targets = [] if best is None else [(best, sent)]
        else:
            share = sent / divisor(cell, settings)
            targets = [(position, share) for position in positions]
        for position, amount in targets:
            receive(gradient, position, amount)
            senders[position] += 1
    return torch.tensor(gradient, dtype=x.dtype).reshape(shape), nest(senders, shape)


def unpool_gradient(indices, upstream):
    """The backward pass of nn.MaxUnpool1d/2d: each input cell was put at its index, so it
    gathers the upstream gradient found there (``indices`` and ``upstream`` flat)."""
    return [upstream[index] for index in indices]


def shown(value):
    """A setting as a learner writes it in PyTorch: a number, or a tuple where axes differ."""
    if isinstance(value, tuple) and len(set(value)) == 1 and len(value) == 2:
        return value[0]
    return value[0] if isinstance(value, tuple) and len(value) == 1 else value


def shape_text(numbers):
    """A shape as a learner reads it: 4×3."""
    return "×".join(map(str, numbers))


def layer_name(settings):
    """nn.MaxPool2d, nn.AdaptiveAvgPool1d, ...: the class for this pool and dimension."""
    name = {"max": "MaxPool", "avg": "AvgPool"}
    name.update({"adaptive-max": "AdaptiveMaxPool", "adaptive-avg": "AdaptiveAvgPool"})
    return f"{name[settings.pool]}{dims(settings)}d"


def dilated(settings):
    return any(d != 1 for d in per_axis(settings.dilation, dims(settings)))


def pytorch_line(settings):
    """The one line of PyTorch that makes this layer."""
    s = settings
    if adaptive(s):
        return f"nn.{layer_name(s)}({shown(per_axis(s.adaptive_size, dims(s)))})"
    args = [f"kernel_size={shown(s.kernel)}", f"stride={shown(s.stride)}"]
    args.append(f"padding={shown(s.padding)}")
    if s.pool == "max":
        args += [f"dilation={shown(s.dilation)}"] * dilated(s)
    args += ["ceil_mode=True"] * s.ceil_mode
    args += ["count_include_pad=False"] * (not s.count_include_pad)
    args += [f"divisor_override={s.divisor_override}"] * bool(s.divisor_override)
    return f"nn.{layer_name(s)}({', '.join(args)})"


def pytorch_layer(settings, return_indices=False):
    import torch.nn as nn

    s = settings
    layer_class = getattr(nn, layer_name(s))
    if adaptive(s):
        extra = {"return_indices": True} if return_indices else {}
        return layer_class(shown(per_axis(s.adaptive_size, dims(s))), **extra)
    if s.pool == "max":
        # what only AvgPool takes is passed when set, so that PyTorch refuses it in its words
        only_avg = {"count_include_pad": False} if not s.count_include_pad else {}
        only_avg.update({"divisor_override": s.divisor_override} if s.divisor_override else {})
        return layer_class(
            s.kernel,
            stride=s.stride,
            padding=s.padding,
            dilation=s.dilation,
            ceil_mode=s.ceil_mode,
            return_indices=return_indices,
            **only_avg,
        )
    extra = {"dilation": s.dilation} if dilated(s) else {}  # PyTorch says it has none
    if s.divisor_override:  # AvgPool1d has none: PyTorch says so
        extra["divisor_override"] = s.divisor_override
    return layer_class(
        s.kernel,
        stride=s.stride,
        padding=s.padding,
        ceil_mode=s.ceil_mode,
        count_include_pad=s.count_include_pad,
        **extra,
    )


def pytorch_refusal(settings):
    """PyTorch's own reason for refusing these settings (its error's first line), or None.
    The layer runs on a small CPU tensor: the meta device's pooling checks would first import
    torch's symbolic shapes and sympy (about 0.7 s), longer than the pooling itself."""
    import torch

    try:
        layer = pytorch_layer(settings)
        layer(torch.zeros(1, 1, *sizes(settings)))
    except (RuntimeError, ValueError, TypeError) as error:
        return first_line(error)
    return None


def first_line(error):
    """An error's first line: PyTorch's messages go on with notes and stack details."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def first_tap_from_zero(start, dilation):
    """The first tap of a window starting at ``start`` that is at or past 0."""
    return start + -(-max(0, -start) // dilation) * dilation


def max_indices(x, settings):
    """The flat indices MaxPool(return_indices=True) gives, row-major: each window's maximum.
    A window that reads no real pixel (all its rows or all its columns are padding) keeps the
    index PyTorch's CPU kernel starts its search from, the first tap at or past 0 on each axis:
    outside the input."""
    shape, values = tuple(x.shape), x.flatten().tolist()
    dilations = [axis.dilation for axis in axes(settings)] if not adaptive(settings) else None
    indices = []
    for cell in output_cells(settings):
        best = first_max(read_positions(cell, shape), values)
        if best is None:
            start = [first_tap_from_zero(w.start, d) for w, d in zip(cell, dilations)]
            best = ravel(start, shape)
        indices.append(best)
    return indices


def unpool_sizes(settings):
    """What nn.MaxUnpool1d/2d(kernel, stride, padding) makes of this layer's pooled arange
    input: its own guess of the size, per axis (out − 1)·stride − 2·padding + kernel, and
    whether the indices fit in it; and, with output_size=the input's size, that size, which it
    accepts only within one stride of its guess on each axis and where the indices fit (else
    None). MaxUnpool has no dilation, and a window that reads only padding points outside the
    input (max_indices)."""
    import torch

    shape = sizes(settings)
    guesses = tuple(
        (len(windows) - 1) * axis.stride - 2 * axis.padding + axis.kernel
        for windows, axis in zip(windows_of(settings), axes(settings))
    )
    x = torch.arange(product(shape), dtype=torch.float64).reshape(shape)
    largest = max(max_indices(x, settings))
    # a guess below 1 gives an empty tensor, whatever the indices
    guess_fits = min(guesses) < 1 or largest < product(guesses)
    within = all(
        guess - axis.stride < size < guess + axis.stride
        for guess, size, axis in zip(guesses, shape, axes(settings))
    )
    fits = within and largest < product(shape)
    return guesses, guess_fits, (shape if fits else None)
