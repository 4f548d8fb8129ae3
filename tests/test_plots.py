"""lesson3/lab/plots.py: figure text is bilingual where a font has Chinese glyphs, English
where none does: never empty boxes, never a missing-glyph warning."""

import re
import warnings

import matplotlib
import pytest
from matplotlib import pyplot as plt

from lab import plots

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def drawing_warnings(text):
    """The warnings matplotlib gives while drawing ``text`` as a figure's title."""
    fig = plt.figure()
    fig.suptitle(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_with_a_cjk_font_the_figures_carry_chinese_and_draw_it():
    plots.cjk_font.cache_clear()
    if plots.cjk_font() is None:
        pytest.skip("no font with Chinese glyphs here (.ci/run installs fonts-wqy-zenhei)")
    text = plots.bilingual("最大池化 /", "max pooling")
    assert text == "最大池化 / max pooling"
    assert drawing_warnings(text) == []


def test_the_font_is_decided_before_a_figure_is_made():
    # an axes' title takes its fonts when the axes is made: set_title's Chinese drew as boxes
    # where the figure came before the first bilingual() call (a section run alone)
    plots.cjk_font.cache_clear()
    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        plots.pyplot()
        fig, ax = plt.subplots()
        if plots.cjk_font() is None:
            pytest.skip("no font with Chinese glyphs here (.ci/run installs fonts-wqy-zenhei)")
        ax.set_title(plots.bilingual("死神经元 /", "dead units"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        plt.close(fig)
    assert [str(w.message) for w in caught] == []


def test_without_a_cjk_font_the_figures_are_english_and_draw_without_warnings(monkeypatch):
    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        # the control: DejaVu Sans has no Chinese, and matplotlib says so when it draws some
        assert any("missing from" in w for w in drawing_warnings("最大池化"))  # "font(s) …"
        monkeypatch.setattr(plots, "CJK_FONTS", ())
        monkeypatch.setattr(plots, "CJK_FILE_WORDS", ())
        plots.cjk_font.cache_clear()
        try:
            assert plots.cjk_font() is None
            text = plots.bilingual("最大池化 /", "max pooling")
            assert text == "max pooling" and not CHINESE.search(text)
            assert drawing_warnings(text) == []
        finally:
            plots.cjk_font.cache_clear()


def texts_outside(fig):
    """The text of each text artist that runs outside ``fig`` (1 pixel of slack)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # tick labels are matplotlib's to place (those of ticks out of view are never drawn)
    ticks = {
        id(label)
        for ax in fig.axes
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for label in (tick.label1, tick.label2)
    }
    outside = []
    for text in fig.findobj(Text):
        if id(text) in ticks or not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > fig.bbox.x1 + 1 or box.y1 > fig.bbox.y1 + 1:
            outside.append(text.get_text())
    return outside


def test_the_articles_two_panels_get_a_caption_saying_which_is_which():
    import numpy as np

    # the article's lines: the pooled picture on the right, drawn first
    plt.figure()
    plt.subplot(122).imshow(np.zeros((256, 256, 3)))
    plt.subplot(121).imshow(np.zeros((512, 512, 3)))
    fig = plt.gcf()
    plots.before_and_after("最大池化", "nn.MaxPool2d(2, 2)")(fig)
    (caption,) = fig.texts
    assert "left, before pooling (512×512); right, after (256×256)" in caption.get_text()
    assert texts_outside(fig) == []
    plt.close(fig)
