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


def test_without_a_cjk_font_the_figures_are_english_and_draw_without_warnings(monkeypatch):
    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        # the control: DejaVu Sans has no Chinese, and matplotlib says so when it draws some
        assert any("missing from font" in w for w in drawing_warnings("最大池化"))
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
