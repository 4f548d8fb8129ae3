"""lesson3/lab/pool_windows.py, the one model of pooling windows that --output-size,
--pool-from-scratch, --explore and the animations draw from: checked against nn.MaxPool2d,
nn.AvgPool2d and nn.MaxUnpool2d over a whole grid of settings, with zero mismatches."""

import itertools

import torch
import torch.nn as nn

from lab import pool_windows as windows

SIZES, KERNELS, STRIDES, DILATIONS = range(1, 13), range(1, 6), range(1, 5), range(1, 4)


def compare(settings, x):
    """(checked, mismatch): whether our model and PyTorch agree on these settings: the same
    values, or both refusing."""
    s = settings
    layer = windows.pytorch_layer(s)
    try:
        expected = layer(x[None, None])[0, 0]
    except RuntimeError:
        expected = None
    try:
        ours = windows.pool_with(x, s)[0]
    except ValueError:
        ours = None
    if expected is None or ours is None:
        return (expected is None) != (ours is None)
    return not torch.allclose(ours, expected, equal_nan=True)


def test_max_pooling_by_the_model_is_pytorchs_on_the_whole_grid():
    checked, mismatches = 0, []
    for size, kernel, stride, dilation, ceil_mode in itertools.product(
        SIZES, KERNELS, STRIDES, DILATIONS, (False, True)
    ):
        x = torch.arange(size * size, dtype=torch.float).reshape(size, size)
        for padding in range(kernel // 2 + 1):
            s = windows.Settings("max", size, kernel, stride, padding, dilation, ceil_mode)
            checked += 1
            if compare(s, x):
                mismatches.append(s)
    assert checked == 3168 and mismatches == []


def test_average_pooling_and_every_divisor_by_the_model_is_pytorchs_on_the_whole_grid():
    checked, mismatches = 0, []
    for size, kernel, stride, ceil_mode, include, override in itertools.product(
        SIZES, KERNELS, STRIDES, (False, True), (True, False), (None, 1, 3, 7)
    ):
        x = torch.arange(size * size, dtype=torch.float).reshape(size, size)
        for padding in range(kernel // 2 + 1):
            s = windows.Settings(
                "avg", size, kernel, stride, padding, 1, ceil_mode, include, override
            )
            checked += 1
            if compare(s, x):
                mismatches.append(s)
    assert checked == 8448 and mismatches == []


def test_unpool_sizes_are_pytorchs_guess_and_its_output_size_rule():
    # with dilation: a window that reads only padding points outside the input (1×1, kernel 2,
    # stride 2, padding 1, dilation 2: index 2), and MaxUnpool2d refuses it
    checked = 0
    for size, kernel, stride, dilation in itertools.product(SIZES, KERNELS, STRIDES, DILATIONS):
        for padding, ceil_mode in itertools.product(range(kernel // 2 + 1), (False, True)):
            s = windows.Settings("max", size, kernel, stride, padding, dilation, ceil_mode)
            if windows.pytorch_refusal(s) is not None:
                continue
            x = torch.arange(size * size, dtype=torch.float).reshape(1, 1, size, size)
            pooled, indices = nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode,
                                           return_indices=True)(x)  # fmt: skip
            unpool = nn.MaxUnpool2d(kernel, stride, padding)
            guess, guess_fits, given = windows.unpool_sizes(s)
            try:
                assert unpool(pooled, indices).shape[-1] == guess
                fitted = True
            except (ValueError, RuntimeError):
                fitted = False
            assert fitted == guess_fits, (s, guess)
            try:
                back = unpool(pooled, indices, output_size=(size, size)).shape[-1]
            except (ValueError, RuntimeError):
                back = None
            assert back == given, (s, back, given)
            starts = windows.window_starts(size, kernel, stride, padding, dilation, ceil_mode)
            ours = [windows.window_max_index(top, left, s) for top in starts for left in starts]
            assert ours == indices.flatten().tolist(), s
            checked += 1
    assert checked == 2376


def test_refusals_are_pytorchs_own_words():
    s = windows.Settings("max", 8, 2, 2, padding=2)
    assert "pad should be" in windows.pytorch_refusal(s)
    s = windows.Settings("max", 2, 5, 1)
    assert "too small" in windows.pytorch_refusal(s)
    refusal = windows.pytorch_refusal(windows.Settings("avg", 5, 3, 1, 1, 2))
    assert "unexpected keyword argument 'dilation'" in refusal
    assert windows.pytorch_refusal(windows.Settings("max", 5, 2, 2, 1, 1, True)) is None


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
