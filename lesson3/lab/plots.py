"""用于 used by every lesson script that draws a figure the article has no code for.

画图 / The figures of the lesson3 scripts, kept out of the section code.

Each function takes the tensors a section computed and draws a new matplotlib figure (and
returns it); the command line saves every figure a section drew (lesson_cli/sections.py).
pyplot is imported inside the functions: importing this module must stay instant, because
``--help`` and ``--list`` answer without loading matplotlib.

Figure text is bilingual, as the console is (``bilingual``), where the machine has a font with
Chinese glyphs; where it has none, English only: no empty boxes, no warnings.
"""

import functools

# Fonts with Chinese glyphs, by the family names matplotlib reads from them: Windows, macOS, then
# Linux's (Debian: fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei).
CJK_FONTS = (
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
# Their files, for a font installed after matplotlib listed the machine's fonts (its list is
# made once and kept): msyh.ttc, simhei.ttf, PingFang.ttc, NotoSansCJK-*.ttc, wqy-zenhei.ttc …
CJK_FILE_WORDS = ("msyh", "simhei", "pingfang", "heiti", "hiragino", "cjk", "sourcehan", "wqy")


@functools.cache
def cjk_font():
    """The family of an installed font with Chinese glyphs, or None. Where there is one,
    matplotlib's text falls back to it for the characters its first font lacks (a list of
    families: matplotlib 3.6 and newer), so English looks as before and Chinese is not boxes."""
    import logging
    import os

    from matplotlib import font_manager, rcParams

    def known():
        names = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in names), None)

    found = known()
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(word in os.path.basename(path).lower() for word in CJK_FILE_WORDS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file it cannot read
                    continue
        found = known()
    if found is not None:
        rcParams["font.family"] = [*rcParams["font.sans-serif"][:1], found]
        # wqy-zenhei has one weight, 500: matplotlib would note at every text that it has no 400
        logging.getLogger("matplotlib.font_manager").addFilter(
            lambda record: "Failed to find font weight" not in str(record.msg)
        )
    return found


def bilingual(chinese, english, sep=" "):
    """Figure text: the Chinese term, then (after ``sep``) the English one, where a font can
    show Chinese; English alone where none can (decided once, by cjk_font)."""
    return f"{chinese}{sep}{english}".strip() if cjk_font() else english


def before_and_after(chinese, english):
    """A caption for the article's two-panel figures (--maxpool, --avgpool), which draw the
    picture before pooling on the left and after it on the right, with no title: which panel is
    which, and their sizes, read from the pictures drawn."""

    def caption(fig):
        left, right = sorted(fig.axes, key=lambda ax: ax.get_position().x0)
        before, after = ("{1}×{0}".format(*ax.get_images()[0].get_size()) for ax in (left, right))
        fig.set_size_inches(8, 4.6)  # two square pictures: less empty band above and below
        fig.subplots_adjust(left=0.08, right=0.97, top=0.97, bottom=0.2)
        text = bilingual(
            f"{chinese}：左 池化前 {before}，右 池化后 {after}",
            f"{english}: left, before pooling ({before}); right, after ({after})",
            sep="\n",
        )
        fig.text(0.5, 0.02, text, ha="center", va="bottom")

    return caption


def pyplot():
    """pyplot, with the font decided (cjk_font) before any figure is made: an axes' title takes
    its font families when the axes is created, not when set_title gives it text."""
    from matplotlib import pyplot as plt

    cjk_font()
    return plt


def draw_value_grid(ax, values, title, cell_colors=None, bold=None):
    """Draw a 2-D tensor as a grid of cells with each value written in its cell."""
    from matplotlib.patches import Rectangle

    values = values.detach().reshape(values.shape[-2], values.shape[-1])
    rows, cols = values.shape
    # as torch prints a tensor: whole numbers without decimals, otherwise 4 decimals everywhere
    number_format = "{:.0f}" if bool((values == values.round()).all()) else "{:.4f}"
    for r in range(rows):
        for c in range(cols):
            color = cell_colors[r][c] if cell_colors is not None else "white"
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=color, edgecolor="gray"))
            weight = "bold" if bold is not None and bold[r][c] else "normal"
            text = number_format.format(values[r, c].item())
            ax.text(c, r, text, ha="center", va="center", weight=weight)
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)


WINDOW_COLORS = ["#fdd49e", "#c6dbef", "#c7e9c0", "#dadaeb", "#fcbba1", "#d9d9d9"]


def unpool(img_tensor, img_reconstruct, img_unpool, indices):
    """Where each value went: pooling windows share a colour across the three panels."""
    plt = pyplot()

    window_color, is_max, pooled_color, unpool_color = window_colors(img_tensor, indices)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.8))
    draw_value_grid(axes[0], img_tensor, "raw_img (max in bold)", window_color, is_max)
    draw_value_grid(axes[1], img_reconstruct, "img_reconstruct", pooled_color)
    draw_value_grid(axes[2], img_unpool, "img_unpool: values at indices", unpool_color, is_max)
    fig.suptitle(
        bilingual(
            "反池化：每个值回到它的最大值处",
            "MaxPool2d(return_indices=True) -> MaxUnpool2d: each value goes back to its max",
        )
    )
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.84, wspace=0.06)
    return fig


def window_colors(img_tensor, indices):
    """Colour each cell by its 2×2 pooling window; mark the cells the indices point at."""
    height, width = img_tensor.shape[-2:]
    pooled_h, pooled_w = indices.shape[-2:]
    flat_indices = set(indices.reshape(-1).tolist())

    def color(window):
        return WINDOW_COLORS[window % len(WINDOW_COLORS)]

    window_color = [
        [color((r // 2) * pooled_w + c // 2) for c in range(width)] for r in range(height)
    ]
    is_max = [[r * width + c in flat_indices for c in range(width)] for r in range(height)]
    pooled_color = [[color(r * pooled_w + c) for c in range(pooled_w)] for r in range(pooled_h)]
    max_color = [
        [window_color[r][c] if is_max[r][c] else "white" for c in range(width)]
        for r in range(height)
    ]
    return window_color, is_max, pooled_color, max_color


def unpool_vs_upsample(panels, indices):
    """Six grids: the input, its max pooling, and the three ways back to 4×4."""
    plt = pyplot()

    raw = panels["raw_img"]
    window_color, is_max, pooled_color, max_color = window_colors(raw, indices)
    colors = {"raw_img": (window_color, is_max), "img_pool (MaxPool2d)": (pooled_color, None)}
    colors["(a) MaxUnpool2d"] = (max_color, is_max)
    fig, axes = plt.subplots(2, 3, figsize=(10, 7))
    for ax, (title, values) in zip(axes.flat, panels.items()):
        cell_colors, bold = colors.get(title, (None, None))
        draw_value_grid(ax, values, title, cell_colors, bold)
    fig.suptitle(
        bilingual(
            "反池化、上采样、转置卷积 /",
            "(a) unpooling is sparse, (b) upsampling copies or interpolates,\n"
            "(c) ConvTranspose2d(k=2, s=2) puts value × kernel in each 2×2 block, no overlap",
        )
    )
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.88, wspace=0.06, hspace=0.12)
    return fig


def invariance(table, pooling_names):
    """Relative change of the pooled map for shifts (left) and rotations (right)."""
    plt = pyplot()

    fig, (ax_shift, ax_rotate) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, unit, xlabel in (
        (ax_shift, "px", "shift (pixels)"),
        (ax_rotate, "°", "rotation (degrees)"),
    ):
        rows = {label: row for label, row in table.items() if label.endswith(unit)}
        amounts = [int(label.split()[1].rstrip("px°")) for label in rows]
        for name in pooling_names:
            ax.plot(amounts, [row[name] for row in rows.values()], "o-", label=name)
        ax.set_xticks(amounts)
        ax.axhline(1, color="gray", linewidth=0.8)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    ax_shift.set_ylabel("relative change of the pooled map")
    ax_shift.legend()
    fig.suptitle(
        bilingual(
            "池化能吸收多少变化？/",
            "How much does 2×2 pooling absorb? (1 = nothing, lower = more invariant)",
        )
    )
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.13, top=0.9, wspace=0.08)
    return fig


def activation_curves(x, curves):
    """One panel per activation: y and its autograd derivative y'. ``curves``: {name: (y, dy)}."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 4))
    for ax, (name, (y, dy)) in zip(axes, curves.items()):
        curve_and_gradient(ax, x, y, dy, name)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.12, top=0.92, wspace=0.2)
    return fig


def curve_and_gradient(ax, x, y, dy, name):
    """One panel: an activation and its autograd derivative on the same axes."""
    ax.plot(x, y, label="y")
    ax.plot(x, dy, "--", label="y' (autograd)")
    at_zero = len(x) // 2  # x = 0 exactly: the grid is symmetric
    ax.plot(0, dy[at_zero], "o", color="C1", label=f"y'(0) = {dy[at_zero]:.4g}")
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.set_title(name)
    ax.set_xlabel("x")
    # a fixed corner: loc="best" tests every point of every curve, a third of the drawing time
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)


def relu_variants(x, curves, negative_x, train_slopes, eval_slope):
    """Left: ReLU, LeakyReLU and PReLU. Right: RReLU's sampled slopes between lower and upper."""
    plt = pyplot()

    fig, (ax_curves, ax_rrelu) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, y in curves.items():
        ax_curves.plot(x, y, label=label)
    ax_curves.set_title(bilingual("ReLU 及其变体 /", "ReLU and its variants"))
    ax_curves.legend(loc="upper left")  # the curves rise to the right: this corner is empty
    ax_curves.grid(alpha=0.3)
    ax_rrelu.scatter(
        negative_x, negative_x * train_slopes, s=3, alpha=0.4, label="train(): sampled"
    )
    for slope, style, label in (
        (1 / 8, "--", "slope lower = 1/8"),
        (1 / 3, "--", "slope upper = 1/3"),
        (eval_slope, "-", "eval(): slope (lower + upper) / 2"),
    ):
        ax_rrelu.plot([-3, 0, 3], [-3 * slope, 0, 3], style, label=label)
    ax_rrelu.set_title("RReLU(lower=1/8, upper=1/3)")
    ax_rrelu.legend(loc="upper left")
    ax_rrelu.grid(alpha=0.3)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.07, top=0.93, wspace=0.15)
    return fig


def receptive_fields(masks):
    """Which input pixels reach one output, one panel per network (claims_*.py)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(masks), figsize=(4 * len(masks), 4.2))
    for ax, (name, mask) in zip(axes, masks.items()):
        ax.imshow(mask.float().numpy(), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(f"{name}\n{int(mask.sum())} input pixels")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(bilingual("感受野 /", "Input pixels that reach the centre output (black)"))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.8, wspace=0.1)
    return fig


def gradient_norms(norms, inits):
    """The backward signal per layer, one panel per initialisation, log axis
    (claims_linear_activations.py)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(inits), figsize=(4 * len(inits), 4), sharey=True)
    for ax, init in zip(axes, inits):
        for (name, this_init), values in norms.items():
            if this_init == init:
                ax.semilogy(range(1, len(values) + 1), values, "o-", label=name)
        ax.set_title(f"init: {init}")
        ax.set_xlabel("layer (1 = first)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("backward signal ‖∂L/∂z‖")
    axes[0].legend()
    fig.suptitle(
        bilingual(
            "梯度消失取决于激活函数和初始化 /",
            "Vanishing gradients depend on the activation and on the initialisation",
        )
    )
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.13, top=0.86, wspace=0.08)
    return fig


def dead_units(curves):
    """Share of dead hidden units during training, per activation (claims_*.py)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, shares in curves.items():
        ax.plot(shares, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel("share of units ≤ 0 for every input")
    ax.set_ylim(-0.02, 0.62)
    ax.legend(loc="upper center", ncol=4)  # one row above ReLU's 0.5, clear of every curve
    ax.grid(alpha=0.3)
    ax.set_title(bilingual("死神经元 /", "Half the units start dead: only ReLU's stay dead"))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.13, top=0.91)
    return fig


def modern_curves(x, curves, ylabel, title, ylim):
    """Every activation of ``curves`` ({name: values}) on one axes, ReLU dashed for reference
    (beyond_activations.py)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    shown = (x >= -4) & (x <= 3)
    for name, values in curves.items():
        ax.plot(x[shown], values[shown], label=name, linestyle=":" if "tanh" in name else "-")
    relu = x.clip(min=0) if ylabel == "y" else (x > 0).astype(float)
    ax.plot(x[shown], relu[shown], "--", color="gray", linewidth=1, label="ReLU (article)")
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper left", ncol=2, fontsize=8)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.11, top=0.92)
    return fig


def modern_activations(x, curves):
    title = bilingual("今天的激活函数 /", "Activations of today's vision models")
    return modern_curves(x, curves, "y", title, (-1.9, 3.1))


def modern_activation_gradients(x, slopes):
    title = bilingual("它们的导数 /", "Their derivatives")
    return modern_curves(x, slopes, "y' (autograd)", title, (-0.6, 1.9))


def signal_through_depth(profiles, activations, inits):
    """Pre-activation std per layer, one panel per activation, one line per initialisation
    (beyond_activations.py). ``profiles``: {(activation, init): [std per layer]}."""
    plt = pyplot()
    columns = 4
    rows = -(-len(activations) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(13, 3.2 * rows), sharex=True, sharey=True)
    for ax, name in zip(axes.flat, activations):
        for index, init in enumerate(inits):
            if (name, init) in profiles:
                values = profiles[(name, init)]
                ax.semilogy(range(1, len(values) + 1), values, color=f"C{index}", label=init)
        ax.set_ylim(1e-12, 1e2)
        ax.axhline(1, color="gray", linewidth=0.5)
        ax.set_title(name)
        ax.grid(alpha=0.3, which="both")
    for ax in axes[-1]:
        ax.set_xlabel("layer")
    for ax in axes[:, 0]:
        ax.set_ylabel("pre-activation std")
    axes.flat[0].legend(loc="lower left", fontsize=8)
    fig.suptitle(
        bilingual(
            "信号穿过 30 层：增益决定一切 /",
            "Signal through 30 layers of Linear(256, 256): the gain decides",
        )
    )
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.9, wspace=0.06, hspace=0.25)
    return fig


# The GIFs' frames: 960×480 pixels, their text 12 points (16 pixels: digits 11–12 pixels high).
ANIMATION_INCHES, ANIMATION_DPI, ANIMATION_FONT = (10, 5), 96, 12


def animation_axes():
    """A figure of two panels for one animation of pool_animations.py."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=ANIMATION_INCHES, dpi=ANIMATION_DPI)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.83, wspace=0.08)
    return fig, axes


def same_cells_in_every_frame(frames):
    """Give every frame of an animation the same view of each panel, so that its cells keep
    their size from frame to frame: the largest grid any frame shows, and on the left the whole
    of every window, a dropped one reaching past the padding included."""
    right = max(max(len(f["right"]), max(map(len, f["right"]), default=0)) for f in frames)
    left = []
    for frame in frames:
        if "padded" in frame:
            size, pad = frame["padded"]
            low, high = -pad, size + pad - 1
        else:
            low, high = 0, max(len(frame["left"]), max(map(len, frame["left"]))) - 1
        if "window" in frame:
            top, start = frame["window"]
            span = window_span(frame)
            low, high = min(low, top, start), max(high, top + span - 1, start + span - 1)
        left.append((low, high))
    view = (min(low for low, _ in left), max(high for _, high in left))
    for frame in frames:
        frame["left_view"], frame["right_size"] = view, right


def window_span(frame):
    """How many cells a side an animation frame's window spans: 3 for the average's 3×3 of
    ones, a frame's own "span", else 2."""
    return frame.get("span", 3 if frame.get("ones") else 2)


def text_grid(
    ax, cells, title, mark=None, offset=0, shade=None, fontsize=9, size=None, title_size=None
):
    """A grid of labels, cell ``mark`` outlined; cells at negative or too large positions are
    ``shade``d (the padding ring), their labels grey. ``offset`` (the padding) and ``size`` (the
    cells the view spans) are a number, or a pair (rows, columns). The cells are one collection:
    the explorer and the animations redraw them often."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    row_offset, col_offset = pair(offset)
    squares, colors = [], []
    for r, row in enumerate(cells):
        for c, label in enumerate(row):
            y, x = r - row_offset, c - col_offset
            squares.append(Rectangle((x - 0.5, y - 0.5), 1, 1))
            colors.append(shade(y, x) if shade else "white")
            text = label if isinstance(label, str) else f"{label:g}"
            color = "black" if colors[-1] == "white" else "0.4"
            ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=color)
    ax.add_collection(PatchCollection(squares, facecolors=colors, edgecolors="0.5"))
    if mark is not None:
        ax.add_patch(Rectangle((mark[1] - 0.5, mark[0] - 0.5), 1, 1, facecolor="C1", alpha=0.5))
    rows, cols = pair(size or max(len(cells), len(cells[0]) if cells else 1))
    ax.set_xlim(-col_offset - 0.6, cols - col_offset - 0.4)
    ax.set_ylim(rows - row_offset - 0.4, -row_offset - 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    axes_title(ax, title, fontsize=title_size or max(10, fontsize))


def pair(value):
    """(rows, columns): a number is both."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def padded_input(ax, size, padding, ring, title, value=None, fontsize=9, title_size=None):
    """A height×width input (``size``: a number or a pair) inside its padding ring (``padding``:
    a number or a pair): a pixel reads ``value(r, c)`` (default: its arange value r·width + c),
    a padding cell reads ``ring`` (−∞ for max pooling, 0 for average) and is shaded
    (pool_explorer.py and the animations)."""
    (height, width), (pad_rows, pad_cols) = pair(size), pair(padding)
    value = value or (lambda r, c: f"{r * width + c}")
    inside = lambda r, c: 0 <= r < height and 0 <= c < width  # noqa: E731
    cells = [
        [value(r, c) if inside(r, c) else ring for c in range(-pad_cols, width + pad_cols)]
        for r in range(-pad_rows, height + pad_rows)
    ]
    shade = lambda r, c: "white" if inside(r, c) else "0.85"  # noqa: E731
    text_grid(
        ax,
        cells,
        title,
        offset=(pad_rows, pad_cols),
        shade=shade,
        fontsize=fontsize,
        title_size=title_size,
        size=max(height + 2 * pad_rows, width + 2 * pad_cols),
    )


def window_outline(ax, top, left, span, **style):
    """A pooling window's outline over a grid drawn a cell a unit (cell centres at integers):
    ``span`` cells (a number, or a pair: rows, columns) from (top, left); ``style``: the
    Rectangle's edge."""
    from matplotlib.patches import Rectangle

    rows, cols = pair(span)
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), cols, rows, facecolor="none", **style))


def axes_title(ax, text, fontsize=10):
    """A title as plain text above the axes: set_title re-measures the axes on every drawing,
    and the explorer and the animations draw often."""
    ax.text(0.5, 1.01, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=fontsize)


def animation_frame(axes, frame):
    """Draw one frame (a dict made by pool_animations.py) onto the two panels."""
    from matplotlib.patches import Rectangle

    left_ax, right_ax = axes
    font = ANIMATION_FONT
    for ax in axes:
        ax.clear()
    left_ax.figure.suptitle(frame["title"], fontsize=font, wrap=True)
    if "padded" in frame:  # the input with its padding ring
        size, pad = frame["padded"]
        ones = frame.get("ones")
        padded_input(
            left_ax,
            size,
            pad,
            "0" if ones else "−∞",
            f"input {size}×{size}, padding {pad}",
            value=(lambda r, c: "1") if ones else None,
            fontsize=font,
        )
    else:
        title = frame.get("left_title", "raw_img")
        text_grid(left_ax, frame["left"], title, frame.get("mark_left"), fontsize=font)
    if "left_view" in frame:  # the same cells in every frame, every window whole
        low, high = frame["left_view"]
        left_ax.set_xlim(low - 0.6, high + 0.6)
        left_ax.set_ylim(high + 0.6, low - 0.6)
    if "window" in frame:
        top, left = frame["window"]
        span = window_span(frame)
        color, style = ("C3", ":") if frame.get("dropped") else ("C1", "-")
        window_outline(left_ax, top, left, span, edgecolor=color, linestyle=style, linewidth=3)
        if "mark" in frame and "padded" not in frame:
            r, c = frame["mark"]
            left_ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor="C1", alpha=0.5))
    text_grid(
        right_ax,
        frame["right"],
        frame["right_title"],
        frame.get("right_mark"),
        fontsize=font,
        size=frame.get("right_size"),
    )
    return []
