"""lesson3/lab/pool_windows.py, the one model of pooling windows that --output-size,
--pool-from-scratch, --global-pooling, --explore and the animations draw from: checked against
PyTorch's layers (forward, return_indices, MaxUnpool, autograd) on grids of settings, with zero
mismatches; and each of its rules perturbed in turn (a control) makes a grid fail."""

import itertools
import random

import pytest
import torch
import torch.nn as nn

from lab import pool_windows as windows

SIZES, KERNELS, STRIDES, DILATIONS = range(1, 13), range(1, 6), range(1, 5), range(1, 4)
OVERRIDES = (None, 1, 3, 7)


def axis_grid(pool):
    """Every 1-D setting of the grid: (size, kernel, stride, padding, dilation, ceil_mode)."""
    dilations = DILATIONS if pool == "max" else (1,)
    for size, kernel, stride, dilation, ceil_mode in itertools.product(
        SIZES, KERNELS, STRIDES, dilations, (False, True)
    ):
        for padding in range(kernel // 2 + 1):
            yield size, kernel, stride, padding, dilation, ceil_mode


def pytorch_forward(settings, x):
    """PyTorch's output for ``x`` (no batch or channel), or None where it refuses."""
    try:
        return windows.pytorch_layer(settings)(x[None, None])[0, 0]
    except RuntimeError:
        return None


def mismatch(settings, x):
    """Whether the model and PyTorch disagree on these settings: other values, or only one of
    the two refusing."""
    expected = pytorch_forward(settings, x)
    try:
        ours = windows.pool_with(x, settings)[0]
    except ValueError:
        ours = None
    if expected is None or ours is None:
        return (expected is None) != (ours is None)
    return ours.shape != expected.shape or not torch.allclose(ours, expected, equal_nan=True)


def arange(shape, dtype=torch.float):
    return torch.arange(windows.product(shape), dtype=dtype).reshape(shape)


def square_settings(pool):
    for size, kernel, stride, padding, dilation, ceil_mode in axis_grid(pool):
        for include, override in itertools.product((True, False), OVERRIDES):
            if pool == "max" and (not include or override):
                continue
            yield windows.Settings(
                pool, size, kernel, stride, padding, dilation, ceil_mode, include, override
            )


def one_d_settings(pool):
    for size, kernel, stride, padding, dilation, ceil_mode in axis_grid(pool):
        for include in (True, False) if pool == "avg" else (True,):
            yield windows.Settings(
                pool, (size,), kernel, stride, padding, dilation, ceil_mode, include
            )


def rectangular_settings(pool, count, seed=0):
    """``count`` 2-D settings whose two axes are drawn independently from the 1-D grid (the
    axes do not interact, so a sample of pairs checks what the whole product would), padding
    up to kernel // 2 + 1 on each axis so that PyTorch's refusals are in it too."""
    generator = random.Random(seed)
    for _ in range(count):
        values = [
            [generator.choice(SIZES), generator.choice(KERNELS), generator.choice(STRIDES)]
            for _axis in range(2)
        ]
        for axis in values:
            # one padding in ten is past kernel // 2, which PyTorch refuses
            too_much = generator.random() < 0.1
            axis.append(axis[1] // 2 + 1 if too_much else generator.randrange(axis[1] // 2 + 1))
            axis.append(generator.choice(DILATIONS) if pool == "max" else 1)
        height, width = values
        override = generator.choice(OVERRIDES) if pool == "avg" else None
        include = generator.random() < 0.5 if pool == "avg" else True
        yield windows.Settings(
            pool,
            *[tuple(pair) for pair in zip(height, width)],
            generator.random() < 0.5,
            include,
            override,
        )


def tally(all_settings, differs):
    """(how many settings were checked, those on which ``differs`` says the two disagree)."""
    checked = list(all_settings)
    return len(checked), [settings for settings in checked if differs(settings)]


def accepted(all_settings):
    """The settings the model accepts: PyTorch refuses the others (the forward grids check
    that), so there is no pooled output to unpool or send a gradient back through."""
    for settings in all_settings:
        try:
            windows.windows_of(settings)
        except ValueError:
            continue
        yield settings


def count_mismatches(all_settings, make_input=arange):
    return tally(all_settings, lambda s: mismatch(s, make_input(windows.sizes(s))))


# ------------------------------------------ forward ------------------------------------------


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_square_max_and_average_pooling_are_pytorchs_on_the_whole_grid():
    assert count_mismatches(square_settings("max")) == (3168, [])
    assert count_mismatches(square_settings("avg")) == (8448, [])


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_one_d_pooling_is_pytorchs_on_every_setting_of_the_grid():
    assert count_mismatches(one_d_settings("max")) == (3168, [])
    assert count_mismatches(one_d_settings("avg")) == (2112, [])


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_rectangular_pooling_is_pytorchs_on_a_sample_of_pairs_refusals_included():
    for pool in ("max", "avg"):
        settings = list(rectangular_settings(pool, 1500))
        refused = sum(windows.pytorch_refusal(s) is not None for s in settings[:300])
        assert 20 < refused < 280  # the sample holds both: PyTorch's refusals and its answers
        assert count_mismatches(settings) == (1500, [])


def adaptive_settings(pool, one_d=True, count=400, seed=0, largest=40):
    if one_d:
        for size in range(1, largest + 1):
            for out in range(1, size + 6):  # out > size too, which PyTorch allows
                yield windows.Settings(pool, (size,), adaptive_size=(out,))
        return
    generator = random.Random(seed)
    for _ in range(count):
        size = (generator.randint(1, 40), generator.randint(1, 40))
        out = tuple(generator.randint(1, s + 5) for s in size)
        yield windows.Settings(pool, size, adaptive_size=out)


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_adaptive_pooling_is_pytorchs_for_every_in_and_out_and_a_sample_of_pairs():
    for pool in ("adaptive-max", "adaptive-avg"):
        assert count_mismatches(adaptive_settings(pool)) == (1020, [])
        assert count_mismatches(adaptive_settings(pool, one_d=False)) == (400, [])


def test_adaptive_windows_overlap_and_differ_in_size_where_out_does_not_divide_in():
    spans = [windows.adaptive_span(i, 7, 3) for i in range(3)]
    assert spans == [(0, 3), (2, 5), (4, 7)]  # pixels 2 and 4 are read twice
    assert [windows.adaptive_span(i, 5, 3) for i in range(3)] == [(0, 2), (1, 4), (3, 5)]
    assert [windows.adaptive_span(i, 6, 3) for i in range(3)] == [(0, 2), (2, 4), (4, 6)]


# ------------------------------------ indices and unpooling ------------------------------------


def unpool_class(settings):
    return nn.MaxUnpool1d if windows.dims(settings) == 1 else nn.MaxUnpool2d


def unpool_mismatch(settings, x):
    """Whether MaxUnpool's guess, whether the indices fit it, its output_size= rule, or the
    return_indices of every window differ from the model's."""
    s = settings
    layer = windows.pytorch_layer(s, return_indices=True)
    pooled, indices = layer(x[None, None])
    if indices.flatten().tolist() != windows.max_indices(x, s):
        return "indices"
    guess, guess_fits, given = windows.unpool_sizes(s)
    unpool = unpool_class(s)(s.kernel, s.stride, s.padding)
    try:
        fitted = unpool(pooled, indices).shape[2:] == guess
    except (ValueError, RuntimeError):
        fitted = False
    if fitted != guess_fits:
        return "guess"
    try:
        back = tuple(unpool(pooled, indices, output_size=windows.sizes(s)).shape[2:])
    except (ValueError, RuntimeError):
        back = None
    return "output_size" if back != given else None


def count_unpool_mismatches(all_settings):
    return tally(accepted(all_settings), lambda s: unpool_mismatch(s, arange(windows.sizes(s))))


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_indices_and_unpooling_are_pytorchs_square_one_d_and_rectangular():
    # with dilation: a window that reads only padding points outside the input (1×1, kernel 2,
    # stride 2, padding 1, dilation 2: index 2), and MaxUnpool2d refuses it
    assert count_unpool_mismatches(square_settings("max")) == (2376, [])
    assert count_unpool_mismatches(one_d_settings("max")) == (2376, [])
    checked, mismatches = count_unpool_mismatches(rectangular_settings("max", 600))
    assert checked == 319 and mismatches == []  # the 281 others PyTorch refuses


def test_ties_go_to_the_first_maximum_in_row_order_as_on_the_cpu():
    x = torch.tensor([[1.0, 5, 5], [5, 2, 5], [0, 0, 0]])
    settings = windows.Settings("max", (3, 3), 3, 1)
    assert windows.max_indices(x, settings) == [1]
    assert nn.MaxPool2d(3, return_indices=True)(x[None, None])[1].item() == 1


# ------------------------------------------ backward ------------------------------------------


def autograd_gradient(settings, x, upstream):
    x = x.detach().clone().requires_grad_(True)
    out = windows.pytorch_layer(settings)(x[None, None])
    out.backward(upstream.reshape(out.shape))
    return x.grad


def reads_only_padding(settings):
    """A max window of padding alone: PyTorch's index for it lies outside the input, and its
    CPU backward writes the gradient there unchecked (out of bounds, or a wrong pixel), so such
    settings are left out of the backward grid."""
    shape = windows.sizes(settings)
    return any(not windows.read_positions(cell, shape) for cell in windows.output_cells(settings))


def backward_mismatch(settings, generator):
    """Whether autograd's gradient differs from the model's, for an input full of ties (small
    whole numbers: which maximum wins matters) and a random upstream gradient, in float64."""
    shape = windows.sizes(settings)
    x = torch.randint(0, 3, shape, generator=generator).double()
    out_shape = tuple(len(axis) for axis in windows.windows_of(settings))
    upstream = torch.randn(out_shape, generator=generator, dtype=torch.float64)
    ours = windows.gradient_by_hand(x, settings, upstream.flatten().tolist())[0]
    return not torch.allclose(ours, autograd_gradient(settings, x, upstream), rtol=1e-12)


def count_backward_mismatches(all_settings):
    """Max windows of padding alone are left out too (reads_only_padding)."""
    generator = torch.Generator().manual_seed(0)
    kept = (s for s in accepted(all_settings) if not (windows.is_max(s) and reads_only_padding(s)))
    return tally(kept, lambda s: backward_mismatch(s, generator))


def small(all_settings, largest=4):
    """The settings of inputs up to ``largest`` a side: enough for a control to fail."""
    return (s for s in all_settings if max(windows.sizes(s)) <= largest)


def backward_grid():
    """The backward pass's grid: every 1-D setting, samples of rectangular and adaptive ones."""
    yield from one_d_settings("max")
    yield from one_d_settings("avg")
    # divisor_override, which AvgPool1d lacks: on 2-D layers one pixel high
    for s in small(one_d_settings("avg")):
        stride = s.stride or s.kernel
        yield s._replace(
            size=(2, *s.size), kernel=(1, s.kernel), stride=(1, stride), padding=(0, s.padding),
            divisor_override=3,
        )  # fmt: skip
    yield from rectangular_settings("max", 400, seed=1)
    yield from rectangular_settings("avg", 400, seed=1)
    yield from adaptive_settings("adaptive-max", largest=24)
    yield from adaptive_settings("adaptive-avg", largest=24)
    yield from adaptive_settings("adaptive-max", one_d=False, count=150)
    yield from adaptive_settings("adaptive-avg", one_d=False, count=150)


@pytest.mark.slow  # the whole grid: the quick tier checks a small one
def test_the_backward_pass_is_autograds_for_max_average_and_adaptive_pooling():
    checked, mismatches = count_backward_mismatches(backward_grid())
    assert checked == 6514 and mismatches == []  # of 7,924: the others refused, or padding alone


def test_overlapping_max_windows_that_share_a_maximum_send_it_the_sum():
    x = torch.zeros(5, 5, dtype=torch.float64)
    x[2, 2] = 9  # in all four 3×3 windows of stride 2
    gradient, senders = windows.gradient_by_hand(x, windows.Settings("max", 5, 3, 2))
    assert gradient[2, 2] == 4 and senders[2][2] == 4 and gradient.sum() == 4
    upstream = torch.ones(2, 2, dtype=torch.float64)
    assert torch.equal(gradient, autograd_gradient(windows.Settings("max", 5, 3, 2), x, upstream))


def test_unpooling_gathers_the_gradient_at_each_index():
    generator = torch.Generator().manual_seed(0)
    for s in itertools.islice(rectangular_settings("max", 200, seed=2), 200):
        if windows.pytorch_refusal(s) is not None or windows.unpool_sizes(s)[2] is None:
            continue
        x = torch.randn(windows.sizes(s), generator=generator, dtype=torch.float64)
        pooled, indices = windows.pytorch_layer(s, return_indices=True)(x[None, None])
        pooled = pooled.detach().requires_grad_(True)
        out = unpool_class(s)(s.kernel, s.stride, s.padding)(pooled, indices, output_size=x.shape)
        upstream = torch.randn(out.shape, generator=generator, dtype=torch.float64)
        out.backward(upstream)
        ours = windows.unpool_gradient(indices.flatten().tolist(), upstream.flatten().tolist())
        assert ours == pooled.grad.flatten().tolist(), s


def test_small_grids_of_every_rule_have_no_mismatch():
    """The quick tier's check (the whole grids above are slow): inputs up to 4 a side."""
    for pool in ("max", "avg"):
        assert count_mismatches(small(square_settings(pool)))[1] == []
        assert count_mismatches(small(one_d_settings(pool)))[1] == []
        assert count_mismatches(small(rectangular_settings(pool, 300)))[1] == []
        assert count_backward_mismatches(small(one_d_settings(pool)))[1] == []
    for pool in ("adaptive-max", "adaptive-avg"):
        assert count_mismatches(small(adaptive_settings(pool), 8))[1] == []
        assert count_backward_mismatches(small(adaptive_settings(pool), 8))[1] == []
    assert count_unpool_mismatches(small(square_settings("max")))[1] == []


# ------------------------------------------ controls ------------------------------------------


def perturbed_taps(start, size, kernel, dilation):
    return [p for p in range(start, start + kernel) if 0 <= p < size]  # dilation forgotten


def perturbed_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    stride = stride or kernel_size
    numerator = size + 2 * padding - dilation * (kernel_size - 1) - 1
    rounded = -(-numerator // stride) if ceil_mode else numerator // stride
    if padding > kernel_size // 2 or rounded < 0:
        raise ValueError("refused")
    return rounded + 1  # the window starting in the right-hand padding is kept


def perturbed_average_span(start, size, kernel, padding):
    end = start + kernel  # past the padding too
    return end - start, min(end, size) - max(start, 0)


def perturbed_first_max(positions, values):
    best = None
    for position in positions:
        if best is None or values[position] >= values[best]:  # the last of equal maxima
            best = position
    return best


def perturbed_receive(gradient, position, amount):
    gradient[position] = amount  # overwrites instead of adding


@pytest.mark.parametrize(
    "rule, perturbed, check",
    [
        ("taps", perturbed_taps, lambda: count_mismatches(small(square_settings("max")))),
        ("pool_output_size", perturbed_output_size,
         lambda: count_mismatches(small(one_d_settings("max")))),
        ("average_span", perturbed_average_span,
         lambda: count_mismatches(small(one_d_settings("avg")))),
        ("adaptive_span", lambda i, size, out: (i * size // out, (i + 1) * size // out),  # floor
         lambda: count_mismatches(small(adaptive_settings("adaptive-avg"), 8))),
        ("first_max", perturbed_first_max,
         lambda: count_backward_mismatches(small(one_d_settings("max")))),
        ("receive", perturbed_receive,
         lambda: count_backward_mismatches(small(one_d_settings("avg")))),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
def test_each_rule_perturbed_makes_a_grid_fail(monkeypatch, rule, perturbed, check):
    monkeypatch.setattr(windows, rule, perturbed)
    checked, mismatches = check()
    assert mismatches, f"{rule} perturbed: still 0 mismatches in {checked}"


# ------------------------------------ the per-axis rules ------------------------------------


def test_refusals_are_pytorchs_own_words():
    s = windows.Settings("max", 8, 2, 2, padding=2)
    assert "pad should be" in windows.pytorch_refusal(s)
    s = windows.Settings("max", 2, 5, 1)
    assert "too small" in windows.pytorch_refusal(s)
    refusal = windows.pytorch_refusal(windows.Settings("avg", 5, 3, 1, 1, 2))
    assert "unexpected keyword argument 'dilation'" in refusal
    assert windows.pytorch_refusal(windows.Settings("max", 5, 2, 2, 1, 1, True)) is None
    # a kernel larger than the padded input on one axis only
    assert "too small" in windows.pytorch_refusal(windows.Settings("max", (7, 3), (3, 5)))
    refusal = windows.pytorch_refusal(windows.Settings("avg", (7,), 3, divisor_override=2))
    assert "unexpected keyword argument 'divisor_override'" in refusal  # AvgPool1d has none


def test_ceil_mode_drops_the_window_that_would_start_in_the_right_padding():
    # 5×5, kernel 2, stride 2, padding 1: the formula with ceil says 4, PyTorch gives 3
    assert windows.dropped_window_start(5, 2, 2, 1, 1, True) == 5
    assert windows.pool_output_size(5, 2, 2, 1, 1, True) == 3
    assert windows.windows_added_by_ceil(5, 2, 2, 1, 1) == 0
    # 6, kernel 3, stride 2, padding 1: ceil adds a window that starts inside the input
    assert windows.dropped_window_start(6, 3, 2, 1, 1, True) is None
    assert windows.windows_added_by_ceil(6, 3, 2, 1, 1) == 1
    steps = windows.formula_steps(5, 2, 2, 1, 1, True)
    assert steps[-1].endswith("inside the right-hand padding: dropped → 3")


def test_the_pytorch_line_is_written_as_a_learner_writes_it():
    assert windows.pytorch_line(windows.Settings("max", 5, 2, 2, 1)) == (
        "nn.MaxPool2d(kernel_size=2, stride=2, padding=1)"
    )
    assert windows.pytorch_line(windows.Settings("avg", (7, 5), (3, 2), (2, 1), (1, 0))) == (
        "nn.AvgPool2d(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))"
    )
    line = windows.pytorch_line(windows.Settings("adaptive-avg", (7, 5), adaptive_size=(3, 2)))
    assert line == "nn.AdaptiveAvgPool2d((3, 2))"
    assert windows.pytorch_line(windows.Settings("max", (9,), 3, 2)) == (
        "nn.MaxPool1d(kernel_size=3, stride=2, padding=0)"
    )
