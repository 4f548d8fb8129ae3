"""用于 used by beyond_the_article.py --explore.

池化探索器 / The pooling explorer of beyond_the_article.py --explore: an arange input, its
padding ring, every window outlined over it (one highlighted), the window ceil_mode adds or drops,
each average's divisor, the output, the output-size rule worked through, what nn.MaxUnpool2d
gives back, and the one line of PyTorch that makes the layer.

Everything drawn comes from pool_windows.py, the model that tests check against PyTorch. With a
display, Explorer adds matplotlib widgets (sliders, radio and check buttons) and redraws on each
change; a setting PyTorch refuses shows PyTorch's reason and keeps the controls alive.
"""

from lab import plots
from lab.pool_windows import (
    Settings,
    dropped_window_start,
    formula_steps,
    pool_with,
    pytorch_line,
    pytorch_refusal,
    taps,
    unpool_sizes,
    window_divisor,
    window_starts,
    windows_added_by_ceil,
)

# the explorer's ranges: what fits on a screen and still shows every rule
LIMITS = {
    "size": (1, 12),
    "kernel": (1, 5),
    "stride": (1, 4),
    "padding": (0, 2),
    "dilation": (1, 3),
}
DIVISOR_LIMIT = 9  # divisor_override slider: 0 (None) to 9
# the window slider's last window, row-major: at most size + 1 windows a side (stride 1, an even
# kernel and padding kernel / 2: out = size + 2·padding - kernel + 1)
WINDOW_LIMIT = (LIMITS["size"][1] + 1) ** 2 - 1


def explore_state(settings, highlight=0):
    """What the explorer shows for ``settings``: PyTorch's refusal, or the windows, the output,
    the divisors and the text panel. ``highlight``: the window picked, row-major."""
    import torch

    s = settings._replace(stride=settings.stride or settings.kernel)
    state = {"settings": s, "refusal": pytorch_refusal(s), "lines": [pytorch_line(s)]}
    if state["refusal"] is not None:
        state["lines"] += ["", "拒绝 / PyTorch refuses:", state["refusal"]]
        return state
    x = torch.arange(s.size * s.size, dtype=torch.float).reshape(s.size, s.size)
    out, divisors = pool_with(x, s)
    starts = window_starts(s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode)
    highlight = min(max(highlight, 0), len(starts) ** 2 - 1)
    row, col = divmod(highlight, len(starts))
    state.update(
        x=x,
        out=out,
        divisors=divisors,
        starts=starts,
        highlight=(row, col),
        added=windows_added_by_ceil(s.size, s.kernel, s.stride, s.padding, s.dilation)
        if s.ceil_mode
        else 0,
        dropped=dropped_window_start(
            s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode
        ),
    )
    state["lines"] += ["", "输出尺寸 output size, 每个方向 each side:"]
    state["lines"] += formula_steps(s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode)
    if state["added"]:
        state["lines"].append("多出一个窗口（虚线） / ceil_mode adds a window (dashed)")
    state["lines"] += ["", window_text(state, row, col), "", *unpool_text(s, len(starts))]
    return state


def window_text(state, row, col):
    """What the highlighted window computes."""
    s, top, left = state["settings"], state["starts"][row], state["starts"][col]
    rows = taps(top, s.size, s.kernel, s.dilation)
    cols = taps(left, s.size, s.kernel, s.dilation)
    value = state["out"][row, col].item()
    if s.pool == "max":
        padded = s.kernel**2 - len(rows) * len(cols)
        return (
            f"窗口 window ({row}, {col}): {len(rows) * len(cols)} 个像素 pixels + {padded} 个"
            f"填充 padding (−∞) → max = {value:g}"
        )
    total = sum(state["x"][r, c].item() for r in rows for c in cols)
    divisor = window_divisor(
        top, left, s.size, s.size, s.kernel, s.padding, s.count_include_pad, s.divisor_override
    )
    why = (
        "divisor_override"
        if s.divisor_override
        else (
            "窗口面积，填充也算 / window area, padding included"
            if s.count_include_pad
            else "只数真实像素 / real pixels only"
        )
    )
    return f"窗口 window ({row}, {col}): 和 sum {total:g} / {divisor} ({why}) = {value:.4g}"


def unpool_text(settings, out):
    """What nn.MaxUnpool2d gives back, without and with output_size."""
    if settings.pool != "max":
        return ["nn.MaxUnpool2d: 只接最大池化 / follows max pooling only"]
    guess, guess_fits, given = unpool_sizes(settings)
    lines = [f"nn.MaxUnpool2d({settings.kernel}, {settings.stride}, {settings.padding}):"]
    if settings.dilation != 1:
        lines.append("  没有膨胀 / it has no dilation: its guess ignores it")
    verdict = "" if guess_fits else "; 放不下，报错 / the indices do not fit: error"
    lines.append(f"  不给 / without output_size: {guess}×{guess}{verdict}")
    with_size = f"{given}×{given}" if given else "报错 error: 超出 beyond guess ± stride"
    lines.append(f"  output_size=({settings.size}, {settings.size}): {with_size}")
    return lines


# ------------------------------------------- drawing -------------------------------------------


def english(line, width=84):
    """A printed line without its Chinese, for the figure's monospace text panel (its font has
    no Chinese), wrapped at ``width`` characters: "中文 / English" keeps the English, a Chinese
    word before its English goes."""
    import re
    import textwrap

    stripped = re.sub(r"[\u4e00-\u9fff][\u4e00-\u9fff\s\d，、；（）]*? / ", "", line)
    stripped = re.sub(r"[\u4e00-\u9fff，、；（）]+", "", stripped)
    indent = line[: len(line) - len(line.lstrip())]
    text = indent + re.sub(r"\s{2,}", " ", stripped).strip().replace(" :", ":")
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
    width = columns(ax_text)
    ax_text.text(
        0,
        1,
        "\n".join(english(line, width) for line in state["lines"]),
        va="top",
        ha="left",
        fontsize=TEXT_FONT,
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


CELL_FONT = {False: 9, True: 7}  # small grids, grids over 8 a side


def font_scale(fig):
    """Shrink the grids' titles, cells and controls' text where the figure is narrower than
    the explorer is laid out for, in inches (text is in points): a dpi above 100, or a screen
    scaled to 150%, gives a window of the same pixels fewer inches; the text panel wraps."""
    return min(1.0, fig.get_figwidth() / LAID_OUT_INCHES)


def draw_input(ax, s, state):
    """The input with its padding ring, every window's outline, the picked window's taps."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    pad, n = s.padding, s.size
    ring = "−∞" if s.pool == "max" else "0"
    title = f"input {n}×{n} (arange), padding {pad} ({ring})"
    scale = font_scale(ax.figure)
    fontsize, title_size = CELL_FONT[n > 8] * scale, 10 * scale
    plots.padded_input(ax, n, pad, ring, title, fontsize=fontsize, title_size=title_size)
    ax.set_xlim(-pad - 1, n + pad + 1.5)
    ax.set_ylim(n + pad + 1.5, -pad - 1)
    ax.set_aspect("equal")
    if state["refusal"] is not None:
        return
    span = s.dilation * (s.kernel - 1) + 1
    starts, (row, col) = state["starts"], state["highlight"]
    outlines = [Rectangle((left - 0.5, top - 0.5), span, span) for top in starts for left in starts]
    ax.add_collection(PatchCollection(outlines, facecolor="none", edgecolor="C0", alpha=0.35))
    if state["added"]:
        last = starts[-1]
        extra = [Rectangle((last - 0.5, top - 0.5), span, span) for top in starts]
        extra += [Rectangle((left - 0.5, last - 0.5), span, span) for left in starts]
        ax.add_collection(
            PatchCollection(extra, facecolor="none", edgecolor="C2", linestyle="--", linewidth=1.5)
        )
    if state["dropped"] is not None:
        draw_dropped_window(ax, state["dropped"], starts[0], span)
    top, left = starts[row], starts[col]
    for r in range(top, top + span, s.dilation):
        for c in range(left, left + span, s.dilation):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="C1", alpha=0.35))
    plots.window_outline(ax, top, left, span, edgecolor="C1", linewidth=2.5)


def draw_dropped_window(ax, start, top, span):
    """The window ceil_mode's rounding asks for and PyTorch drops: dotted, with the reason."""
    plots.window_outline(ax, top, start, span, edgecolor="C3", linestyle=":", linewidth=2)
    ax.text(
        start + span / 2 - 0.5,
        top + span - 0.4,
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
            f"{value:g}" if s.pool == "max" else f"{value:.3g}\n÷{state['divisors'][r][c]}"
            for c, value in enumerate(row)
        ]
        for r, row in enumerate(values)
    ]
    title = f"{name} {len(values)}×{len(values[0])}"
    scale = font_scale(ax.figure)
    plots.text_grid(ax, labels, title, highlight, fontsize=9 * scale, title_size=10 * scale)


def static_figure(settings, highlight=0):
    """The explorer as one figure, no widgets (for --out and a notebook)."""
    from matplotlib import pyplot as plt

    fig = plt.figure(figsize=(13.5, 6))  # under 1,000 px in a notebook (72 dpi)
    axes = layout(fig, bottom=0.04)
    state = explore_state(settings, highlight)
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
    """The explorer with matplotlib widgets: each change redraws from the model."""

    def __init__(self, settings, highlight=0):
        from matplotlib import pyplot as plt

        self.settings = settings._replace(stride=settings.stride or settings.kernel)
        self.highlight = highlight
        # small first: Tk's toolbar keeps the width the figure is made with as its least
        self.fig = plt.figure(figsize=(2, 1))
        width, height = window_pixels(self.fig)
        self.fig.set_size_inches(width / self.fig.dpi, height / self.fig.dpi)
        self.axes = layout(self.fig, bottom=0.3)
        self.add_controls()
        for control in (*self.sliders.values(), self.pool, self.checks):
            # the controls would each draw the figure before changed() redraws it: Agg draws at
            # once when asked, so a change would cost two full drawings; changed() asks once
            control.drawon = False
            (control.on_changed if control in self.sliders.values() else control.on_clicked)(
                self.changed
            )
        self.changed()

    def add_controls(self):
        """The sliders in two columns, the max/avg buttons and the two check boxes, all in the
        figure's lowest quarter."""
        from matplotlib.widgets import CheckButtons, RadioButtons, Slider

        s = self.settings
        ranges = slider_ranges(s)
        start = {"divisor_override": s.divisor_override or 0, "window": self.highlight}
        self.sliders = {}
        for i, (name, (low, high)) in enumerate(ranges.items()):
            column, row = divmod(i, 4)
            ax = self.fig.add_axes([0.1 + column * 0.36, 0.23 - row * 0.06, 0.22, 0.035])
            value = start.get(name, getattr(s, name, 0))
            self.sliders[name] = Slider(ax, name, low, high, valinit=value, valstep=1)
        self.pool = RadioButtons(
            self.fig.add_axes([0.76, 0.03, 0.07, 0.23]),
            ("max", "avg"),
            active=0 if s.pool == "max" else 1,
        )
        self.checks = CheckButtons(
            self.fig.add_axes([0.84, 0.03, 0.15, 0.23]),
            ("ceil_mode", "count_include_pad"),
            (s.ceil_mode, s.count_include_pad),
        )
        labels = [*self.pool.labels, *self.checks.labels]
        labels += [
            text for slider in self.sliders.values() for text in (slider.label, slider.valtext)
        ]
        for text in labels:
            text.set_fontsize(10 * font_scale(self.fig))

    def changed(self, _=None):
        """Read every control, redraw from the model."""
        values = {name: int(slider.val) for name, slider in self.sliders.items()}
        ceil_mode, include = self.checks.get_status()
        self.settings = Settings(
            self.pool.value_selected,
            values["size"],
            values["kernel"],
            values["stride"],
            values["padding"],
            values["dilation"],
            ceil_mode,
            include,
            values["divisor_override"] or None,
        )
        self.state = explore_state(self.settings, values["window"])
        draw(self.axes, self.state)
        self.fig.canvas.draw_idle()


def slider_ranges(settings):
    """{slider: (low, high)}: LIMITS, widened to the settings the explorer starts with (a
    --size 20 is drawn at 20, not clamped to the slider's 12)."""
    given = {name: getattr(settings, name) or low for name, (low, _) in LIMITS.items()}
    ranges = {name: (low, max(high, given[name])) for name, (low, high) in LIMITS.items()}
    ranges["divisor_override"] = (0, max(DIVISOR_LIMIT, settings.divisor_override or 0))
    ranges["window"] = (0, (ranges["size"][1] + 1) ** 2 - 1)  # as WINDOW_LIMIT
    return ranges


def drawing_extent(settings):
    """How many cells a side the explorer's input panel spans: the padded input, every window,
    and the window ceil_mode drops (each cell is drawn, so this is what a drawing costs)."""
    s = settings._replace(stride=settings.stride or settings.kernel)
    span = s.dilation * (s.kernel - 1) + 1
    starts = window_starts(s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode)
    low, high = min(-s.padding, starts[0]), max(s.size + s.padding, starts[-1] + span)
    dropped = dropped_window_start(s.size, s.kernel, s.stride, s.padding, s.dilation, s.ceil_mode)
    if dropped is not None:
        high = max(high, dropped + span)
    return high - low


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
        ceil_mode=True,
        count_include_pad=True,
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
        )
        static_figure(layer, window)
        plt.show()

    ranges = {name: (low, high, 1) for name, (low, high) in LIMITS.items()}
    ipywidgets.interact(
        show,
        pool=["max", "avg"],
        divisor_override=(0, DIVISOR_LIMIT, 1),
        window=(0, WINDOW_LIMIT, 1),
        **ranges,
    )
    return None
