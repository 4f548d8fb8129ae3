"""beyond_the_article.py --explore and --animate: the explorer draws PyTorch's answer, its
controls redraw it (on Agg everywhere, and in a real Tk window under Xvfb where Xvfb exists),
and every frame of the three GIFs is a layer's output."""

import json
import os
import re
import subprocess
import sys

import numpy
import pytest
import torch
from conftest import (
    REPO_ROOT,
    SCRIPTS,
    XVFB,
    assert_one_line_error,
    run_script,
    virtual_display,
)
from matplotlib import pyplot as plt
from PIL import Image

from lab import pool_animations, pool_explorer
from lab.pool_windows import Settings, pytorch_layer, sizes


def pytorch_output(settings):
    s = pool_explorer.with_stride(settings)
    height, width = sizes(s)
    x = torch.arange(height * width, dtype=torch.float).reshape(1, 1, height, width)
    return pytorch_layer(s)(x)[0, 0]


# ------------------------------------------ --explore ------------------------------------------


def test_explore_prints_the_rule_the_dropped_window_and_unpooling_and_saves_its_figure(run_beyond):
    code, out, err = run_beyond(
        "--explore",
        "--size",
        "5",
        "--kernel",
        "2",
        "--stride",
        "2",
        "--padding",
        "1",
        "--ceil-mode",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert "nn.MaxPool2d(kernel_size=2, stride=2, padding=1, ceil_mode=True)" in lines
    assert "2. 5 / stride = 5 / 2 = 2.5 → ceil → 3" in lines
    assert lines[lines.index("3. + 1 = 4") + 1].endswith(
        "inside the right-hand padding: dropped → 3"
    )
    # MaxUnpool2d's own guess, 4×4, cannot hold index 24: PyTorch raises; output_size=(5, 5) works
    assert (
        "  不给 / without output_size: 4×4; 放不下，报错 / the indices do not fit: error" in lines
    )
    assert "  output_size=(5, 5): 5×5" in lines
    assert re.search(r"已保存图片 saved: .*explore\.png", out)


@pytest.mark.parametrize(
    "settings",
    [
        Settings("max", 5, 2, 2, 1, 1, True),
        Settings("max", 7, 3, 2, 1, 2, True),
        Settings("avg", 6, 3, 2, 1, 1, True, True),
        Settings("avg", 6, 3, 2, 1, 1, True, False),
        Settings("avg", 4, 3, 1, 1, 1, False, True, 3),
        Settings("max", (7, 5), (3, 2), (2, 1), (1, 0), (1, 2), True),
        Settings("avg", (6, 9), (3, 2), 2, (1, 1), 1, True, False),
        Settings("adaptive-avg", (7, 5), adaptive_size=(3, 2)),
        Settings("adaptive-max", (5, 8), adaptive_size=(3, 11)),
    ],
    ids=str,
)
def test_what_the_explorer_draws_is_pytorchs_output(settings):
    state = pool_explorer.explore_state(settings)
    assert state["refusal"] is None
    assert torch.allclose(state["out"], pytorch_output(settings))
    assert tuple(map(len, state["windows"])) == state["out"].shape


def test_explore_draws_adaptive_pooling_windows_that_overlap(run_beyond):
    args = ["--pool", "adaptive-avg", "--size", "7", "5", "--adaptive-size", "3", "2"]
    code, out, err = run_beyond("--explore", *args)
    assert code == 0, err
    lines = out.splitlines()
    assert "nn.AdaptiveAvgPool2d((3, 2))" in lines
    assert "  H 7 → 3: [0, 3) [2, 5) [4, 7)" in lines and "  W 5 → 2: [0, 3) [2, 5)" in lines
    assert "  重复读的位置 / read by more than one window: 2, 4" in lines
    # window (0, 0) reads rows 0-2 and columns 0-2 of the 7×5 arange: their mean
    expected = torch.arange(35.0).reshape(7, 5)[:3, :3].mean().item()
    assert (
        f"窗口 (0, 0)：和 54 除以 9（窗口里的像素数）得 {expected:g}"
        f" / window (0, 0): sum 54 / 9 (pixels in the window) = {expected:g}" in lines
    )


def test_explore_backward_prints_where_each_gradient_goes_as_autograd_does(run_beyond):
    code, out, err = run_beyond("--explore", "--backward", "--kernel", "3", "--stride", "2")
    assert code == 0, err
    lines = out.splitlines()
    # the hill's top, in all four overlapping windows, receives their sum: autograd agrees
    x = pool_explorer.hill(5, 5).requires_grad_(True)
    torch.nn.MaxPool2d(3, 2)(x[None, None]).sum().backward()
    assert x.grad[2, 2] == 4 and x.grad.sum() == 4
    assert "  (2, 2) ← 4: 4" in lines
    assert lines[-2].endswith("sends its gradient 1 to its maximum, 10 at (2, 2)")


@pytest.mark.parametrize(
    "settings",
    [
        Settings("max", 7, 3, 2, 1),
        Settings("avg", (7, 5), (3, 2), 2, (1, 0), 1, True, False),
        Settings("avg", 5, 3, 1, 1, divisor_override=4),
        Settings("adaptive-max", (7, 5), adaptive_size=(3, 2)),
        Settings("adaptive-avg", (5, 7), adaptive_size=(3, 4)),
    ],
    ids=str,
)
def test_the_backward_view_is_autograds_gradient(settings):
    state = pool_explorer.explore_state(settings, backward=True)
    x = state["x"].clone().requires_grad_(True)
    pytorch_layer(state["settings"])(x[None, None]).sum().backward()
    assert torch.allclose(state["gradient"], x.grad)
    senders = torch.tensor(state["senders"])
    assert (senders > 1).any()  # windows overlap: some pixels receive a sum


def test_the_figure_text_is_the_printed_text_without_its_chinese():
    state = pool_explorer.explore_state(Settings("avg", 6, 3, 2, 1, 1, True, False))
    figure_text = [pool_explorer.english(line) for line in state["lines"]]
    assert not any(re.search(r"[\u4e00-\u9fff]", line) for line in figure_text)
    assert "window (0, 0): sum 14 / 4 (real pixels only) = 3.5" in figure_text
    # an English line going on from a Chinese one loses its "/ " (the panel showed it)
    assert pool_explorer.english("  / each output's gradient") == "  each output's gradient"
    assert "  without output_size: 4×4; the indices do not fit: error" in [
        pool_explorer.english(line)
        for line in pool_explorer.unpool_text(Settings("max", 5, 2, 2, 1, 1, True))
    ]


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--padding", "2"], "pad should be"),  # torch 2.2: "... smaller than or equal to half"
        (["--size", "2", "--kernel", "5"], "Output size is too small"),
        (["--pool", "avg", "--dilation", "2"], "unexpected keyword argument 'dilation'"),
        (["--size", "40"], "--explore 最多画 32×32"),
        # what only AvgPool2d takes, given to max pooling: nn.MaxPool2d refuses it
        (["--divisor-override", "3"], "unexpected keyword argument 'divisor_override'"),
        (["--no-count-include-pad"], "unexpected keyword argument 'count_include_pad'"),
        # past what a drawing can show: refused before torch loads (it drew every padding cell
        # for minutes; a dropped window 300000 cells away overflowed FreeType)
        (["--size", "5", "--kernel", "201", "--padding", "100"], "span 205"),
        (["--stride", "300000", "--ceil-mode"], "span 300002"),
    ],
)
def test_a_setting_pytorch_refuses_is_one_line_with_pytorchs_reason(run_beyond, args, reason):
    code, out, err = run_beyond("--explore", *args)
    assert code == 1 and len(err.splitlines()) == 1 and reason in err and "Traceback" not in err


def test_what_the_explorer_would_draw_is_measured_in_cells_a_side():
    assert pool_explorer.drawing_extent(Settings("max", 5, 2, 2, 1)) == 7  # input and its ring
    assert pool_explorer.drawing_extent(Settings("max", 5, 201, 1, 100)) == 205
    # 5×5, kernel 2, stride 2, padding 1, ceil_mode: the dropped window reaches column 6
    assert pool_explorer.drawing_extent(Settings("max", 5, 2, 2, 1, 1, True)) == 8
    assert pool_explorer.drawing_extent(Settings("max", 32, 9, 1, 4)) <= pool_explorer.DRAWING_LIMIT


def test_the_sliders_start_at_the_settings_given_even_past_their_usual_range():
    ranges = pool_explorer.slider_ranges(Settings("avg", 20, 7, 6, 3, 1, False, True, 12))
    assert ranges["size"] == (1, 20) and ranges["kernel"] == (1, 7) and ranges["stride"] == (1, 6)
    assert ranges["padding"] == (0, 3) and ranges["divisor_override"] == (0, 12)
    assert ranges["window"] == (0, 21**2 - 1)
    assert pool_explorer.slider_ranges(Settings())["window"] == (0, pool_explorer.WINDOW_LIMIT)


def test_the_explorers_options_go_with_it_and_output_size(tmp_path):
    result = run_script(
        "--maxpool", "--pool", "avg", cwd=tmp_path, script=SCRIPTS["nn_layers_others"]
    )
    assert_one_line_error(result, "unrecognized arguments: --pool", code=2)
    result = run_script(
        "--global-pooling", "--size", "5", cwd=tmp_path, script=SCRIPTS["beyond_the_article"]
    )
    assert_one_line_error(result, "--size goes with --output-size or --explore", code=2)


def drive_explorer():
    """Open the explorer, move its controls as a learner would, and return what it showed after
    each move: (settings, the output grid, PyTorch's output or refusal, the text panel)."""
    from matplotlib import pyplot as plt

    explorer = pool_explorer.Explorer(Settings("max", 5, 2, 2, 0))
    seen = []

    def look():
        state = explorer.state
        text = explorer.axes[2].texts[0].get_text()
        if state["refusal"] is not None:
            return {"settings": list(explorer.settings), "refusal": state["refusal"], "text": text}
        return {
            "settings": list(explorer.settings),
            "drawn": state["out"].tolist(),
            "pytorch": pytorch_output(explorer.settings).tolist(),
            "text": text,
        }

    seen.append(look())
    explorer.sliders["size"].set_val(7)
    explorer.sliders["kernel"].set_val(3)
    explorer.sliders["padding"].set_val(1)
    seen.append(look())
    explorer.checks.set_active(0)  # ceil_mode on
    seen.append(look())
    explorer.pool.set_active(1)  # average
    explorer.checks.set_active(1)  # count_include_pad off
    seen.append(look())
    explorer.sliders["kernel"].set_val(2)
    explorer.sliders["padding"].set_val(2)  # refused: more than half the kernel
    seen.append(look())
    explorer.sliders["padding"].set_val(1)  # the controls are still alive
    seen.append(look())
    explorer.axis.set_active(2)  # the sliders now set the width alone
    explorer.sliders["size"].set_val(4)
    explorer.sliders["kernel"].set_val(3)
    seen.append(look())
    explorer.pool.set_active(3)  # adaptive average pooling
    explorer.sliders["adaptive_size"].set_val(2)
    seen.append(look())
    explorer.checks.set_active(2)  # the backward view
    seen.append(look())
    seen[-1]["gradient"] = explorer.state["gradient"].tolist()
    x = explorer.state["x"].clone().requires_grad_(True)
    pytorch_layer(explorer.settings)(x[None, None]).sum().backward()
    seen[-1]["autograd"] = x.grad.tolist()
    info = {"backend": plt.get_backend()}
    if info["backend"].lower() == "tkagg":  # a real window: open it, and see that Tk shows it
        plt.show(block=False)
        plt.pause(0.3)
        explorer.sliders["size"].set_val(6)  # a change while the window is open
        plt.pause(0.3)
        info["mapped"] = bool(explorer.fig.canvas.manager.window.winfo_ismapped())
        info["after_change"] = (
            explorer.state["out"].tolist() == pytorch_output(explorer.settings).tolist()
        )
        info["fits"] = {100: where_things_are(explorer)}
        plt.close("all")
        plt.rcParams["figure.dpi"] = 144  # a Windows screen scaled to 150%
        info["fits"][144] = where_things_are(pool_explorer.Explorer(Settings("max", 12, 4, 3, 2)))
    seen.append(info)
    plt.close("all")
    return seen


def where_things_are(explorer):
    """In a real Tk window, once shown: the screen's size, the window's, the toolbar's and the
    canvas's places on it, each control's box on the canvas, and the texts that run outside."""
    from matplotlib import pyplot as plt
    from test_plots import texts_outside

    plt.show(block=False)
    plt.pause(0.3)
    manager = explorer.fig.canvas.manager
    window, canvas = manager.window, explorer.fig.canvas.get_tk_widget()
    window.update()  # mapped and laid out, whichever figure pyplot showed first

    def place(widget):
        return [
            widget.winfo_rootx(),
            widget.winfo_rooty(),
            widget.winfo_width(),
            widget.winfo_height(),
        ]

    controls = [slider.ax for slider in explorer.sliders.values()]
    controls += [explorer.pool.ax, explorer.axis.ax, explorer.checks.ax]
    height = explorer.fig.bbox.height  # in the screen's pixels (the canvas scales the dpi)
    return {
        "screen": [window.winfo_screenwidth(), window.winfo_screenheight()],
        "window": place(window),
        "toolbar": place(manager.toolbar),
        "canvas": place(canvas),
        "controls": [  # Tk counts y from the top
            [box.x0, height - box.y1, box.width, box.height]
            for box in (ax.get_window_extent() for ax in controls)
        ],
        "outside": texts_outside(explorer.fig),
    }


def inside(place, width, height):
    x, y, w, h = place
    return x >= 0 and y >= 0 and x + w <= width and y + h <= height


def check_what_the_explorer_showed(seen):
    first, moved, ceil, average, refused, alive, width, adaptive, backward, info = seen
    for view in (first, moved, ceil, average, alive, width, adaptive):
        assert torch.allclose(torch.tensor(view["drawn"]), torch.tensor(view["pytorch"]))
    assert moved["settings"][:5] == ["max", 7, 3, 2, 1] and len(moved["drawn"]) == 4
    assert ceil["settings"][6] is True and "ceil_mode=True" in ceil["text"]
    assert average["settings"][0] == "avg" and average["settings"][7] is False
    assert "count_include_pad=False" in average["text"] and "real pixels only" in average["text"]
    assert "pad should be" in refused["refusal"] and "PyTorch refuses" in refused["text"]
    assert alive["settings"][3:5] == [2, 1]
    # the width alone: the height keeps 7 and 2 (size, kernel)
    assert [list(value) for value in width["settings"][1:3]] == [[7, 4], [2, 3]]
    assert len(width["drawn"][0]) == 3
    assert adaptive["settings"][0] == "adaptive-avg" and list(adaptive["settings"][9]) == [3, 2]
    assert "nn.AdaptiveAvgPool2d((3, 2))" in adaptive["text"]
    assert torch.allclose(torch.tensor(backward["gradient"]), torch.tensor(backward["autograd"]))
    assert "backward" in backward["text"]
    return info


@pytest.mark.slow  # drives every control through its range, 3.4 s: the quick tier stays < 20 s
def test_the_explorers_controls_redraw_pytorchs_answer_on_agg():
    info = check_what_the_explorer_showed(drive_explorer())
    assert info["backend"].lower() == "agg"


@pytest.mark.skipif(XVFB is None, reason="Xvfb is not installed (.ci/run installs it as root)")
@pytest.mark.parametrize(
    "screen, dpi",  # the smallest laptop screens; 144 dpi: Windows' 150% (Tk scales by 1.5)
    [("1366x768", 96), ("1280x720", 144)],
)
def test_the_explorer_in_a_real_tk_window_under_xvfb_fits_the_screen(tmp_path, screen, dpi):
    with virtual_display(screen, dpi) as display:
        env = {**os.environ, "DISPLAY": display, "MPLBACKEND": "TkAgg"}
        code = (
            "import json, sys; sys.path[:0] = [sys.argv[1]]; import test_pool_explorer as t; "
            "import matplotlib.pyplot as plt; plt.switch_backend('TkAgg'); "  # conftest chose Agg
            "print(json.dumps(t.drive_explorer()))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, os.path.dirname(__file__)],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        info = check_what_the_explorer_showed(json.loads(result.stdout.splitlines()[-1]))
        assert info["backend"].lower() == "tkagg"
        assert info["mapped"] and info["after_change"]
        for dpi, fits in info["fits"].items():
            width, height = fits["screen"]
            assert [width, height] == [int(n) for n in screen.split("x")]
            for part in ("window", "toolbar", "canvas"):
                assert inside(fits[part], width, height), (dpi, part, fits[part])
            x, y, w, h = fits["canvas"]
            for box in fits["controls"]:
                assert inside(box, w, h), (dpi, box)
            assert fits["outside"] == [], dpi


# ------------------------------------------ --animate ------------------------------------------


def test_each_animations_last_frame_is_the_layers_output():
    for make_frames in pool_animations.ANIMATIONS.values():
        frames, output = make_frames()
        assert torch.allclose(torch.tensor(frames[-1]["grid"]), output)
    frames, img_unpool = pool_animations.maxpool_unpool_frames()
    assert len(frames) == 8 and sum(v != 0 for row in frames[-1]["grid"] for v in row) == 4
    assert len(pool_animations.ceil_mode_frames()[0]) == 5
    assert pool_animations.ceil_mode_frames()[1].shape == (3, 3)  # the fourth window is dropped
    frames, last = pool_animations.avgpool_divisor_frames()
    assert (
        len(frames) == 9 and frames[0]["right"][0][0] == "4/9" and frames[3]["right"][0][0] == "4/4"
    )


def test_the_unpool_animation_shows_the_numbers_nn_layers_others_prints(run_main):
    code, out, _ = run_main("--maxunpool")
    printed = out.split("img_unpool:\n")[1].split("indices:")[0]
    _, img_unpool = pool_animations.maxpool_unpool_frames()
    assert printed.strip() == str(img_unpool[None, None]).strip()


@pytest.mark.slow  # writes four GIFs: the frames are checked in the quick tier
def test_animate_writes_marked_gifs_with_their_frames_under_300_kb(run_beyond, tmp_path):
    code, out, err = run_beyond("--animate", out_dir=tmp_path / "gifs")
    assert code == 0, err
    for name, make_frames in pool_animations.ANIMATIONS.items():
        path = tmp_path / "gifs" / name
        assert path.stat().st_size <= 300_000
        with Image.open(path) as gif:
            assert gif.format == "GIF" and gif.n_frames == len(make_frames()[0])
            assert gif.info["comment"] == b"pytorch-3.3 lesson3 figure"
        assert f"{name}: {len(make_frames()[0])} 帧 frames" in out


def test_a_gif_the_scripts_did_not_make_is_left_alone(run_beyond, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "ceil_mode.gif").write_bytes(b"GIF89a learner's own")
    code, out, err = run_beyond("--animate", out_dir=folder)
    assert code == 1 and "ceil_mode.gif" in err and len(err.splitlines()) == 1
    assert (folder / "ceil_mode.gif").read_bytes() == b"GIF89a learner's own"
    assert sorted(p.name for p in folder.iterdir()) == ["ceil_mode.gif"]


def test_list_names_the_gifs(tmp_path):
    result = run_script("--list", cwd=tmp_path, script=SCRIPTS["beyond_the_article"])
    (animate,) = [line for line in result.stdout.splitlines() if line.startswith("--animate")]
    assert animate.endswith(
        "→ maxpool_unpool.gif, ceil_mode.gif, avgpool_divisor.gif, pool_backward.gif"
    )
    (explore,) = [line for line in result.stdout.splitlines() if line.startswith("--explore")]
    assert explore.endswith("→ explore.png")


def test_the_notebooks_controls_are_ipywidgets_and_a_note_without_them(monkeypatch, capsys):
    import types

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert pool_explorer.interact_in_notebook() is None
    # a note in the output, as Markdown: not a stderr box, not printed text
    ((note,),) = [[item.data for item in shown]]
    assert "pip install -r requirements-notebooks.txt" in note and capsys.readouterr().out == ""
    calls = []
    fake = types.SimpleNamespace(interact=lambda show, **controls: calls.append((show, controls)))
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    assert pool_explorer.interact_in_notebook() is None  # no repr after the controls
    ((show, controls),) = calls
    assert controls["pool"] == ["max", "avg", "adaptive-max", "adaptive-avg"]
    assert controls["size"] == (1, 12, 1) and controls["adaptive_size"] == (1, 12, 1)
    assert controls["divisor_override"] == (0, 9, 1)
    show(pool="avg", size=6, kernel=3, padding=1)  # what moving the sliders calls: a figure
    from matplotlib import pyplot as plt

    assert len(plt.get_fignums()) == 1
    plt.close("all")


def test_every_gif_frame_is_legible_with_cells_of_one_size_and_the_cell_it_fills_marked():
    from matplotlib.text import Text

    plots = pool_animations.plots
    for name, frames in pool_animations.frames_as_drawn().items():
        fig, axes = plots.animation_axes()  # as the animation draws each frame
        assert fig.get_size_inches()[0] * fig.dpi >= 800, name
        views = set()
        for index, frame in enumerate(frames):
            plots.animation_frame(axes, frame)
            fig.canvas.draw()
            views.add(tuple(tuple(ax.get_xlim()) + tuple(ax.get_ylim()) for ax in fig.axes))
            for text in fig.findobj(Text):
                if text.get_text().strip():  # 16 px a line: digits 11 px and more
                    assert text.get_fontsize() * fig.dpi / 72 >= 16, (name, text.get_text())
            if "window" in frame and not frame.get("dropped"):
                assert "right_mark" in frame, (name, index)  # the output cell it fills
        assert len(views) == 1, name  # the cells keep their size from frame to frame
    plt.close("all")


def test_the_dropped_window_is_drawn_whole_past_the_padding():
    frames, _ = pool_animations.ceil_mode_frames()
    pool_animations.plots.same_cells_in_every_frame(frames)
    (dropped,) = [frame for frame in frames if frame.get("dropped")]
    top, start = dropped["window"]
    low, high = dropped["left_view"]
    assert start + 2 - 1 <= high  # the window's last column is in view, beyond the padding
    assert high > 5  # the 5×5 input's padding ends at column 5


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings("avg", 12, 5, 1, 2, 1, True, False, 9),
        Settings("max", 12, 4, 3, 2, 3, True),
    ],
)
def test_explore_png_keeps_every_text_inside_the_figure(settings):
    from test_plots import texts_outside

    fig, _ = pool_explorer.static_figure(settings)
    assert texts_outside(fig) == []
    plt.close(fig)


@pytest.mark.skipif(XVFB is None, reason="Xvfb is not installed (.ci/run installs it as root)")
def test_animate_on_a_desktop_saves_every_frame_as_drawn(tmp_path):
    # where a display exists --show is the default and the figures are Tk windows: their canvas
    # draws a frame when Tk is idle, not when the animation asks (it crashed: no renderer)
    with virtual_display() as display:
        code = (
            "import runpy, sys\n"
            "import matplotlib.pyplot as plt\n"
            "plt.show = lambda *args, **kwargs: None  # the windows would wait for a click\n"
            "sys.argv = sys.argv[1:]\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, SCRIPTS["beyond_the_article"], "--animate"]
            + ["--out", str(tmp_path / "gifs")],
            env={**os.environ, "DISPLAY": display, "MPLBACKEND": "TkAgg"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert (result.returncode, result.stderr) == (0, "")
    for name, frames in pool_animations.frames_as_drawn().items():
        with Image.open(tmp_path / "gifs" / name) as gif:
            assert gif.n_frames == len(frames)
            gif.seek(gif.n_frames - 1)
            last = gif.convert("RGB")
        fig, axes = pool_animations.plots.animation_axes()
        pool_animations.plots.animation_frame(axes, frames[-1])
        fig.canvas.draw()
        drawn = Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba())
        # the last frame saved is the last frame drawn (a lagging window canvas saves the one
        # before); GIF's palette moves a few colours, so compare mostly
        difference = numpy.abs(
            numpy.asarray(last, float) - numpy.asarray(drawn.convert("RGB"), float)
        )
        assert (difference > 40).mean() < 0.01, name
        plt.close("all")
