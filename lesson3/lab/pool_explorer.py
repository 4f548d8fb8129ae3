"""用于 used by beyond_the_article.py --explore.

池化探索器 / The pooling explorer of beyond_the_article.py --explore: an arange input (square or
rectangular), its padding ring, every window outlined over it (one highlighted), the window
ceil_mode adds or drops, each average's divisor, adaptive pooling's windows, the output, the
output-size rule worked through, what nn.MaxUnpool2d gives back, the one line of PyTorch that
makes the layer, and with --backward what each input pixel receives in the backward pass.

Everything drawn comes from pool_windows.py, the model that tests check against PyTorch. With a
display, Explorer adds matplotlib widgets (sliders, radio and check buttons) and redraws on each
change; a setting PyTorch refuses shows PyTorch's reason and keeps the controls alive.
"""

from lab import plots
from lab.pool_windows import (
    POOLS,
    Settings,
    adaptive,
    axes,
    dropped_window_start,
    first_max,
    formula_steps,
    gradient_by_hand,
    is_max,
    per_axis,
    pool_with,
    pytorch_line,
    pytorch_refusal,
    read_positions,
    shape_text,
    shown,
    sizes,
    unpool_sizes,
    windows_added_by_ceil,
    windows_of,
)

# the explorer's ranges: what fits on a screen and still shows every rule
LIMITS = {
    "size": (1, 12),
    "kernel": (1, 5),
    "stride": (1, 4),
    "padding": (0, 2),
    "dilation": (1, 3),
    "adaptive_size": (1, 12),
}
PAIRED = ("size", "kernel", "stride", "padding", "dilation", "adaptive_size")  # one per axis
DIVISOR_LIMIT = 9  # divisor_override slider: 0 (None) to 9
# the window slider's last window, row-major: at most size + 1 windows a side (stride 1, an even
# kernel and padding kernel / 2: out = size + 2·padding - kernel + 1)
WINDOW_LIMIT = (LIMITS["size"][1] + 1) ** 2 - 1
AXIS_NAMES = ("H", "W")


def with_stride(settings):
    """The settings with the stride written out (PyTorch's default: the kernel) and an
    adaptive size (default: 3 on each axis) where the pool is adaptive."""
    s = settings._replace(stride=settings.kernel if settings.stride is None else settings.stride)
    if adaptive(s) and s.adaptive_size is None:
        s = s._replace(adaptive_size=3)
    return s


def hill(height, width):
    """The input of the backward view of max pooling: highest in the middle, so that
    overlapping windows share a maximum (an arange's windows never do: each has its own last
    pixel), with ties a rule has to break."""
    import torch

    return torch.tensor(
        [
            [float(height + width - abs(2 * r - height + 1) - abs(2 * c - width + 1))
             for c in range(width)]
            for r in range(height)
        ]
    )  # fmt: skip


def explore_state(settings, highlight=0, backward=False):
    """What the explorer shows for ``settings``: PyTorch's refusal, or the windows, the output,
    the divisors and the text panel; with ``backward``, what each input pixel receives from an
    upstream gradient of ones. ``highlight``: the window picked, row-major."""
    import torch

    s = with_stride(settings)
    state = {"settings": s, "refusal": pytorch_refusal(s), "lines": [pytorch_line(s)]}
    state["backward"] = backward
    if state["refusal"] is not None:
        state["lines"] += ["", "拒绝 / PyTorch refuses:", state["refusal"]]
        return state
    height, width = sizes(s)
    if backward and is_max(s):
        x = hill(height, width)
    else:
        x = torch.arange(height * width, dtype=torch.float).reshape(height, width)
    out, divisors = pool_with(x, s)
    rows, cols = windows_of(s)
    highlight = min(max(highlight, 0), len(rows) * len(cols) - 1)
    row, col = divmod(highlight, len(cols))
    state.update(x=x, out=out, divisors=divisors, windows=(rows, cols), highlight=(row, col))
    state["added"], state["dropped"] = added_and_dropped(s)
    state["lines"] += [
        "",
        *(adaptive_text(s, rows, cols) if adaptive(s) else size_text(s, state["added"])),
    ]
    if backward:
        state["gradient"], state["senders"] = gradient_by_hand(x, s)
        state["lines"] += ["", *backward_text(state)]
    state["lines"] += ["", window_text(state, row, col)]
    if not backward and not adaptive(s):
        state["lines"] += ["", *unpool_text(s)]
    return state


def added_and_dropped(settings):
    """Per axis: the windows ceil_mode adds (0 or 1) and where the window it drops would start
    (None: none dropped)."""
    if adaptive(settings):
        return (0, 0), (None, None)
    added, dropped = [], []
    for a in axes(settings):
        numbers = (a.size, a.kernel, a.stride, a.padding, a.dilation)
        added.append(windows_added_by_ceil(*numbers) if a.ceil_mode else 0)
        dropped.append(dropped_window_start(*numbers, a.ceil_mode))
    return tuple(added), tuple(dropped)


def size_text(settings, added):
    """The output-size rule worked through: once for a square layer, else per axis; ``added``:
    the windows ceil_mode adds on each axis."""
    height_axis, width_axis = axes(settings)
    if height_axis == width_axis:
        lines = ["输出尺寸，每个方向 / output size, each side:", *formula_steps(*height_axis)]
    else:
        lines = []
        for name, axis in zip(("高度 / the height (H)", "宽度 / the width (W)"), axes(settings)):
            chinese, english_name = name.split(" / ")
            lines += [f"输出尺寸，沿{chinese} / output size along {english_name}:"]
            lines += formula_steps(*axis)
    if any(added):
        lines.append("多出一个窗口（虚线） / ceil_mode adds a window (dashed)")
    return lines


def adaptive_text(settings, rows, cols):
    """Adaptive pooling's windows on each axis: where they start and end, which pixels several
    windows read."""
    lines = ["自适应池化的窗口 / adaptive pooling's windows, [start, end):"]
    lines.append("  start = ⌊i·in/out⌋, end = ⌈(i+1)·in/out⌉")
    for name, windows, size in zip(AXIS_NAMES, (rows, cols), sizes(settings)):
        spans = " ".join(f"[{w.start}, {w.start + w.extent})" for w in windows)
        lines.append(f"  {name} {size} → {len(windows)}: {spans}")
        shared = [p for p in range(size) if sum(p in w.taps for w in windows) > 1]
        if shared:
            lines.append(
                f"  重复读的位置 / read by more than one window: {', '.join(map(str, shared))}"
            )
    return lines


def backward_text(state):
    """The backward view's rule, and the pixels that receive the sum of several windows."""
    s = state["settings"]
    lines = ["反向传播，上游梯度全为 1 / backward, the upstream gradient all ones:"]
    if is_max(s):
        lines += [
            "  每个输出的梯度只给窗口里的最大值，并列时给按行扫描的第一个",
            "  / each output's gradient goes to its window's maximum, the first in row order",
            "  where several tie (as PyTorch's CPU kernel picks)",
        ]
    else:
        lines += [
            "  每个输出把 梯度 / 分母 给窗口里每个真实像素，填充不收",
            "  / each output sends gradient / divisor to every real pixel of its window,",
            "  none to the padding",
        ]
    shared = [
        (r, c, n) for r, row in enumerate(state["senders"]) for c, n in enumerate(row) if n > 1
    ]
    if shared:
        listed = ", ".join(
            f"({r}, {c}) ← {n}: {state['gradient'][r, c].item():.4g}" for r, c, n in shared[:6]
        )
        more = f" … ({len(shared)})" if len(shared) > 6 else ""
        lines.append(
            "  几个窗口之和（红框）"
            " / sums of several windows (red), as (row, col) ← windows: gradient:"
        )
        lines.append(f"  {listed}{more}")
    else:
        lines.append("  没有像素收到多个窗口 / no pixel receives from more than one window")
    return lines


def window_text(state, row, col):
    """What the highlighted window computes (or, in the backward view, where it sends)."""
    s = state["settings"]
    rows, cols = state["windows"][0][row], state["windows"][1][col]
    value = state["out"][row, col].item()
    real = len(rows.taps) * len(cols.taps)
    if state["backward"]:
        return sent_text(state, row, col, rows, cols)
    if is_max(s):
        if adaptive(s):
            return (
                f"窗口 ({row}, {col})：{real} 个像素，最大值 {value:g}"
                f" / window ({row}, {col}): {pixels(real)} → max = {value:g}"
            )
        kernel_h, kernel_w = (a.kernel for a in axes(s))
        padded = kernel_h * kernel_w - real
        return (
            f"窗口 ({row}, {col})：{real} 个像素加 {padded} 个填充 (−∞)，最大值 {value:g}"
            f" / window ({row}, {col}): {pixels(real)} + {padded} padding (−∞) → max = {value:g}"
        )
    total = sum(state["x"][r, c].item() for r in rows.taps for c in cols.taps)
    divisor = state["divisors"][row][col]
    if adaptive(s):
        why = "窗口里的像素数", "pixels in the window"
    elif s.divisor_override:
        why = "divisor_override", "divisor_override"
    elif s.count_include_pad:
        why = "窗口面积，填充也算", "window area, padding included"
    else:
        why = "只数真实像素", "real pixels only"
    return (
        f"窗口 ({row}, {col})：和 {total:g} 除以 {divisor}（{why[0]}）得 {value:.4g}"
        f" / window ({row}, {col}): sum {total:g} / {divisor} ({why[1]}) = {value:.4g}"
    )


def pixels(count):
    return f"{count} pixel" + ("" if count == 1 else "s")


def sent_text(state, row, col, rows, cols):
    """Where the highlighted window sends its gradient of 1."""
    s, x = state["settings"], state["x"]
    if is_max(s):
        value = state["out"][row, col].item()
        best = first_max(read_positions((rows, cols), x.shape), x.flatten().tolist())
        if best is None:
            return (
                f"窗口 ({row}, {col}) 只读到填充，梯度不给任何像素"
                f" / window ({row}, {col}) reads only padding: its gradient goes nowhere"
            )
        where = divmod(best, x.shape[1])
        return (
            f"窗口 ({row}, {col}) 的梯度 1 给它的最大值 {value:g}，在 {where}"
            f" / window ({row}, {col}) sends its gradient 1 to its maximum, {value:g} at {where}"
        )
    share = 1 / state["divisors"][row][col]
    count = len(rows.taps) * len(cols.taps)
    return (
        f"窗口 ({row}, {col}) 给它的 {count} 个真实像素各 {share:.4g}"
        f" / window ({row}, {col}) sends {share:.4g} to each of its {count} real pixels"
    )


def unpool_text(settings):
    """What nn.MaxUnpool2d gives back, without and with output_size."""
    if settings.pool != "max":
        return ["nn.MaxUnpool2d: 只接最大池化 / follows max pooling only"]
    s = settings
    guess, guess_fits, given = unpool_sizes(s)
    kernel, stride, padding = (shown(per_axis(v, 2)) for v in (s.kernel, s.stride, s.padding))
    lines = [f"nn.MaxUnpool2d({kernel}, {stride}, {padding}):"]
    if any(d != 1 for d in per_axis(s.dilation, 2)):
        lines.append("  没有膨胀 / it has no dilation: its guess ignores it")
    verdict = "" if guess_fits else "; 放不下，报错 / the indices do not fit: error"
    lines.append(f"  不给 / without output_size: {shape_text(guess)}{verdict}")
    with_size = (
        shape_text(given) if given else "报错，超出猜测 ± stride / error: beyond the guess ± stride"
    )
    lines.append(f"  output_size={tuple(sizes(s))}: {with_size}")
    return lines


# ------------------------------------------- drawing -------------------------------------------


def english(line, width=84):
    """A printed line without its Chinese, for the figure's monospace text panel (its font has
    no Chinese), wrapped at ``width`` characters: of "中文 / English" the English stays (a
    Chinese clause runs from its first Chinese character to " / ", and has no " / " inside),
    and a Chinese word left over goes."""
    import re
    import textwrap

    stripped = re.sub(r"[\u4e00-\u9fff].*? / ", "", line)
    stripped = re.sub(r"[\u4e00-\u9fff，、；（）]+", "", stripped)
    indent = line[: len(line) - len(line.lstrip())]
    text = re.sub(r"\s{2,}", " ", stripped).strip().replace(" :", ":")
    text = indent + text.removeprefix("/ ")  # an English line that goes on from a Chinese one
    return textwrap.fill(text, width, subsequent_indent=indent + "  ") if text.strip() else text


TEXT_FONT = 8  # the text panel's monospace size, in points


def columns(ax, fontsize=TEXT_FONT):
    """How many monospace characters fit across ``ax`` at this dpi (DejaVu Sans Mono's advance
    is 0.602 of its size): the text panel wraps there, at any screen's scaling."""
    fig = ax.figure
    width = ax.get_position().width * fig.get_figwidth() * fig.dpi
    return max(20, int(width / (fontsize * fig.dpi / 72 * 0.602)) - 3)  # 3 spare: its margin


def draw(axes, state):
    """Draw ``state`` onto (input axes, output axes, text axes), clearing them first."""
    ax_in, ax_out, ax_text = axes
    for ax in axes:
        ax.clear()
        ax.set_axis_off()
    s = state["settings"]
    draw_input(ax_in, s, state)
    text, fontsize = panel_text(ax_text, state["lines"])
    ax_text.text(
        0,
        1,
        text,
        va="top",
        ha="left",
        fontsize=fontsize,
        family="monospace",
        transform=ax_text.transAxes,
    )
    if state["refusal"] is not None:
        ax_out.text(
            0.5,
            0.5,
            "PyTorch refuses:\n" + state["refusal"],
            ha="center",
            va="center",
            color="C3",
            wrap=True,
            fontsize=9,
            transform=ax_out.transAxes,
        )
        return
    draw_grid(ax_out, state["out"].tolist(), state["highlight"], state, "output")


def panel_text(ax, lines):
    """The text panel's English, wrapped to its width, and its font size: TEXT_FONT, or
    smaller where the lines would run below the panel (a small screen, a long backward view),
    down to TEXT_FONT_LEAST (then it is cut off at the figure's edge)."""
    fontsize = TEXT_FONT
    while True:
        width = columns(ax, fontsize)
        text = "\n".join(
            english(line, width)
            for line in lines
            if english(line, width).strip() or not line.strip()  # a Chinese-only line goes
        )
        height = ax.get_position().height * ax.figure.get_figheight() * 72  # in points
        if (text.count("\n") + 1) * fontsize * LINE_SPACING <= height:
            return text, fontsize
        if fontsize <= TEXT_FONT_LEAST:
            return text, fontsize
        fontsize = max(TEXT_FONT_LEAST, fontsize - 0.5)


TEXT_FONT_LEAST, LINE_SPACING = 5.5, 1.2  # matplotlib's line spacing: 1.2 of the font size
CELL_FONT = {False: 9, True: 7}  # small grids, grids over 8 a side


def font_scale(fig):
    """Shrink the grids' titles, cells and controls' text where the figure is narrower than
    the explorer is laid out for, in inches (text is in points): a dpi above 100, or a screen
    scaled to 150%, gives a window of the same pixels fewer inches; the text panel wraps."""
    return min(1.0, fig.get_figwidth() / LAID_OUT_INCHES)


def draw_input(ax, s, state):
    """The input with its padding ring, then its windows (draw_windows); in the backward view
    each pixel shows the gradient it receives."""
    (height, width), pads = sizes(s), padding_of(s)
    ring = "−∞" if is_max(s) else "0"
    shape = shape_text((height, width))
    pad = pads[0] if pads[0] == pads[1] else pads
    title = f"input {shape} (arange), padding {pad} ({ring})"
    if adaptive(s):
        title = f"input {shape} (arange), no padding"
    value = None
    if state.get("backward") and state["refusal"] is None:
        title = f"gradient each input receives (input {shape}: " + (
            "a hill)" if is_max(s) else "arange)"
        )
        value = lambda r, c: f"{state['gradient'][r, c].item():.3g}"  # noqa: E731
    scale = font_scale(ax.figure)
    fontsize, title_size = CELL_FONT[max(height, width) > 8] * scale, 10 * scale
    plots.padded_input(
        ax, (height, width), pads, ring, title, value, fontsize=fontsize, title_size=title_size
    )
    ax.set_xlim(-pads[1] - 1, width + pads[1] + 1.5)
    ax.set_ylim(height + pads[0] + 1.5, -pads[0] - 1)
    ax.set_aspect("equal")
    if state["refusal"] is None:
        draw_windows(ax, s, state)


def draw_windows(ax, s, state):
    """Every window's outline, the window ceil_mode adds (dashed) or drops (dotted), the picked
    window's taps, and in the backward view a red frame on each pixel that receives a sum."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    rows, cols = state["windows"]
    outlines = [
        Rectangle((left.start - 0.5, top.start - 0.5), left.extent, top.extent)
        for top in rows
        for left in cols
    ]
    ax.add_collection(PatchCollection(outlines, facecolor="none", edgecolor="C0", alpha=0.35))
    added_rows, added_cols = state["added"]
    last_row, last_col = rows[-1], cols[-1]
    extra = [
        Rectangle((last_col.start - 0.5, w.start - 0.5), last_col.extent, w.extent) for w in rows
    ] * added_cols
    extra += [Rectangle((w.start - 0.5, last_row.start - 0.5), w.extent, last_row.extent)
              for w in cols] * added_rows  # fmt: skip
    if extra:
        ax.add_collection(
            PatchCollection(extra, facecolor="none", edgecolor="C2", linestyle="--", linewidth=1.5)
        )
    # the dropped window: along the width, and along the height where the axes differ (a
    # square layer drops the same window on both: one is drawn)
    dropped_row, dropped_col = state["dropped"]
    span = (rows[0].extent, cols[0].extent)
    if dropped_col is not None:
        draw_dropped_window(ax, rows[0].start, dropped_col, span)
    if dropped_row is not None and len(set(axes(s))) == 2:
        draw_dropped_window(ax, dropped_row, cols[0].start, span)
    top, left = rows[state["highlight"][0]], cols[state["highlight"][1]]
    row_step, col_step = steps(s)
    for r in range(top.start, top.start + top.extent, row_step):
        for c in range(left.start, left.start + left.extent, col_step):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="C1", alpha=0.35))
    plots.window_outline(
        ax, top.start, left.start, (top.extent, left.extent), edgecolor="C1", linewidth=2.5
    )
    if state.get("backward"):
        for r, row in enumerate(state["senders"]):
            for c, senders in enumerate(row):
                if senders > 1:  # the sum of several windows
                    plots.window_outline(ax, r, c, 1, edgecolor="C3", linewidth=2)


def padding_of(settings):
    """(rows, columns) of padding: adaptive pooling has none."""
    return (0, 0) if adaptive(settings) else tuple(per_axis(settings.padding, 2))


def steps(settings):
    """How far apart a window's taps are on each axis: its dilation (1 for adaptive pooling)."""
    return (1, 1) if adaptive(settings) else tuple(per_axis(settings.dilation, 2))


def drawn_cells(settings):
    """The first and last cell (row, column) the input panel shows: the padded input, every
    window, and the window ceil_mode drops (each cell is drawn, so this is what a drawing
    costs). Raises ValueError where no window fits."""
    s = with_stride(settings)
    low, high = [], []
    dropped = added_and_dropped(s)[1]
    for windows, pad, size, drop in zip(windows_of(s), padding_of(s), sizes(s), dropped):
        last = max(size + pad - 1, windows[-1].start + windows[-1].extent - 1)
        if drop is not None:  # the dropped window, reaching past the padding
            last = max(last, drop + windows[0].extent - 1)
        low.append(min(-pad, windows[0].start))
        high.append(last)
    return tuple(low), tuple(high)


def draw_dropped_window(ax, top, left, span):
    """The window ceil_mode's rounding asks for and PyTorch drops: dotted, with the reason."""
    plots.window_outline(ax, top, left, span, edgecolor="C3", linestyle=":", linewidth=2)
    rows, cols = span
    ax.text(
        left + cols / 2 - 0.5,
        top + rows - 0.4,
        "dropped: starts\nin the padding",
        color="C3",
        fontsize=7,
        ha="center",
        va="top",
    )


def draw_grid(ax, values, highlight, state, name):
    """The output grid, the picked window's cell marked; averages show value and divisor."""
    s = state["settings"]
    labels = [
        [
            f"{value:g}" if is_max(s) else f"{value:.3g}\n÷{state['divisors'][r][c]}"
            for c, value in enumerate(row)
        ]
        for r, row in enumerate(values)
    ]
    title = f"{name} {len(values)}×{len(values[0])}"
    if state.get("backward"):
        title += " (gradient 1 each)"
    scale = font_scale(ax.figure)
    plots.text_grid(ax, labels, title, highlight, fontsize=9 * scale, title_size=10 * scale)


def static_figure(settings, highlight=0, backward=False):
    """The explorer as one figure, no widgets (for --out and a notebook)."""
    from matplotlib import pyplot as plt

    fig = plt.figure(figsize=(13.5, 6))  # under 1,000 px in a notebook (72 dpi)
    axes = layout(fig, bottom=0.04)
    state = explore_state(settings, highlight, backward=backward)
    draw(axes, state)
    return fig, state


def layout(fig, bottom):
    """The input, output and text axes, above ``bottom`` (the controls go below it)."""
    height = 0.94 - bottom
    return (
        fig.add_axes([0.01, bottom, 0.36, height]),
        fig.add_axes([0.38, bottom + height * 0.2, 0.2, height * 0.65]),
        fig.add_axes([0.6, bottom, 0.39, height]),
    )


# The explorer's window, in pixels: at most this, and less where the screen is smaller; the
# smallest screens learners have, 1280×720 and 1366×768, keep room for the title bar and toolbar.
WINDOW_PIXELS, SCREEN_MARGIN = (1500, 760), (40, 130)
LAID_OUT_INCHES = 12.4  # the width its text sizes are chosen for: 1240 pixels at 100 dpi


def window_pixels(fig):
    """The figure's size in pixels for the screen it opens on, where the backend can tell (Tk
    can; others get a size that fits 1280×720), in the figure's own pixels: a screen scaled to
    150% shows each of them as 1.5 of its pixels."""
    import sys

    width, height = WINDOW_PIXELS
    screen, scaled = (1280, 720), 1.0
    window = getattr(fig.canvas.manager, "window", None)
    if hasattr(window, "winfo_screenwidth"):
        screen = (window.winfo_screenwidth(), window.winfo_screenheight())
        # the scaling matplotlib's Tk canvas applies once the window is shown
        # (FigureCanvasTk._update_device_pixel_ratio): not known to the figure before
        if sys.platform == "win32":
            scaled = round(window.tk.call("tk", "scaling") / (96 / 72), 2)
        elif sys.platform == "linux":
            scaled = window.winfo_fpixels("1i") / 96
    width = min(width, screen[0] - SCREEN_MARGIN[0]) / scaled
    height = min(height, screen[1] - SCREEN_MARGIN[1]) / scaled
    return width, height


class Explorer:
    """The explorer with matplotlib widgets: each change redraws from the model. The sliders
    set both axes, or the height or the width alone (the "axes" buttons); the window slider
    walks the output's windows row by row."""

    def __init__(self, settings, highlight=0, backward=False):
        from matplotlib import pyplot as plt

        self.settings = with_stride(settings)
        self.highlight = highlight
        # each paired setting as [height, width]: the sliders edit one axis or both
        given = self.settings._replace(adaptive_size=self.settings.adaptive_size or 3)
        self.values = {name: list(per_axis(getattr(given, name), 2)) for name in PAIRED}
        # small first: Tk's toolbar keeps the width the figure is made with as its least
        self.fig = plt.figure(figsize=(2, 1))
        width, height = window_pixels(self.fig)
        self.fig.set_size_inches(width / self.fig.dpi, height / self.fig.dpi)
        self.axes = layout(self.fig, bottom=0.3)
        self.add_controls(backward)
        for control in (*self.sliders.values(), self.pool, self.checks, self.axis):
            # the controls would each draw the figure before changed() redraws it: Agg draws at
            # once when asked, so a change would cost two full drawings; changed() asks once
            control.drawon = False
        for name, slider in self.sliders.items():
            slider.on_changed(lambda value, name=name: self.changed(name, value))
        self.pool.on_clicked(lambda _: self.changed())
        self.checks.on_clicked(lambda _: self.changed())
        self.axis.on_clicked(self.axis_picked)
        self.changed()

    def add_controls(self, backward):
        """The sliders in two columns, the pool and axes buttons and the three check boxes, all
        in the figure's lowest quarter."""
        from matplotlib.widgets import CheckButtons, RadioButtons, Slider

        s = self.settings
        ranges = slider_ranges(s)
        start = {"divisor_override": s.divisor_override or 0, "window": self.highlight}
        self.sliders = {}
        for i, (name, (low, high)) in enumerate(ranges.items()):
            column, row = divmod(i, 4)
            ax = self.fig.add_axes([0.1 + column * 0.33, 0.23 - row * 0.06, 0.19, 0.035])
            value = start.get(name, self.values.get(name, [0])[0])
            self.sliders[name] = Slider(ax, name, low, high, valinit=value, valstep=1)
        self.pool = RadioButtons(
            self.fig.add_axes([0.655, 0.03, 0.105, 0.23]), POOLS, active=POOLS.index(s.pool)
        )
        self.axis = RadioButtons(
            self.fig.add_axes([0.765, 0.03, 0.055, 0.23]), ("H, W", "H", "W"), active=0
        )
        self.checks = CheckButtons(
            self.fig.add_axes([0.825, 0.03, 0.165, 0.23]),
            ("ceil_mode", "count_include_pad", "backward"),
            (s.ceil_mode, s.count_include_pad, backward),
        )
        labels = [*self.pool.labels, *self.axis.labels, *self.checks.labels]
        labels += [
            text for slider in self.sliders.values() for text in (slider.label, slider.valtext)
        ]
        for text in labels:
            text.set_fontsize(10 * font_scale(self.fig))

    def axis_picked(self, _=None):
        """The sliders show the axis picked (the height's where both are)."""
        index = 1 if self.axis.value_selected == "W" else 0
        for name in PAIRED:
            slider = self.sliders[name]
            slider.eventson = False  # showing a value is not a change
            slider.set_val(self.values[name][index])
            slider.eventson = True
        self.redraw()

    def changed(self, name=None, value=None):
        """A control moved: a paired slider sets the axes picked; then redraw."""
        if name in PAIRED:
            picked = {"H, W": (0, 1), "H": (0,), "W": (1,)}[self.axis.value_selected]
            for index in picked:
                self.values[name][index] = int(value)
        self.redraw()

    def redraw(self):
        """Read every control, redraw from the model."""
        ceil_mode, include, backward = self.checks.get_status()
        paired = {
            name: (height if height == width else (height, width))
            for name, (height, width) in self.values.items()
        }
        pool = self.pool.value_selected
        self.settings = Settings(
            pool,
            paired["size"],
            paired["kernel"],
            paired["stride"],
            paired["padding"],
            paired["dilation"],
            ceil_mode,
            include,
            int(self.sliders["divisor_override"].val) or None,
            paired["adaptive_size"] if pool.startswith("adaptive") else None,
        )
        window = int(self.sliders["window"].val)
        self.state = explore_state(self.settings, window, backward=backward)
        draw(self.axes, self.state)
        self.fig.canvas.draw_idle()


def slider_ranges(settings):
    """{slider: (low, high)}: LIMITS, widened to the settings the explorer starts with (a
    --size 20 is drawn at 20, not clamped to the slider's 12)."""
    given = {
        name: max(per_axis(getattr(settings, name) or low, 2)) for name, (low, _) in LIMITS.items()
    }
    ranges = {name: (low, max(high, given[name])) for name, (low, high) in LIMITS.items()}
    ranges["divisor_override"] = (0, max(DIVISOR_LIMIT, settings.divisor_override or 0))
    ranges["window"] = (0, (ranges["size"][1] + 1) ** 2 - 1)  # as WINDOW_LIMIT
    return ranges


def drawing_extent(settings):
    """How many cells a side the explorer's input panel spans, on its longer axis: the padded
    input, every window, and the window ceil_mode drops (each cell is drawn, so this is what a
    drawing costs)."""
    low, high = drawn_cells(settings)
    return max(last - first + 1 for first, last in zip(low, high))


DRAWING_LIMIT = 40  # cells a side: a 32×32 input with its padding, legible on a laptop's screen


def interact_in_notebook():
    """The explorer's controls in Jupyter, with ipywidgets; without ipywidgets, a note (the
    figure drawn above is the explorer at its settings). Returns None, so that a notebook cell
    ending with this call shows the controls and nothing after them."""
    try:
        import ipywidgets
    except ImportError:
        from IPython.display import Markdown, display

        # a note beside the outputs (Markdown, not printed text: not part of what --explore
        # prints, which the notebook's saved outputs are compared with)
        display(
            Markdown(
                "没有 ipywidgets：`pip install -r requirements-notebooks.txt` 后可以拖动控件 / "
                "no ipywidgets: `pip install -r requirements-notebooks.txt` for the controls"
            )
        )
        return None
    from matplotlib import pyplot as plt

    def show(
        pool="max",
        size=5,
        kernel=2,
        stride=2,
        padding=1,
        dilation=1,
        adaptive_size=3,
        ceil_mode=True,
        count_include_pad=True,
        backward=False,
        divisor_override=0,
        window=0,
    ):
        layer = Settings(
            pool,
            size,
            kernel,
            stride,
            padding,
            dilation,
            ceil_mode,
            count_include_pad,
            divisor_override or None,
            adaptive_size,
        )
        static_figure(layer, window, backward=backward)
        plt.show()

    ranges = {name: (low, high, 1) for name, (low, high) in LIMITS.items()}
    ipywidgets.interact(
        show,
        pool=list(POOLS),
        divisor_override=(0, DIVISOR_LIMIT, 1),
        window=(0, WINDOW_LIMIT, 1),
        **ranges,
    )
    return None
