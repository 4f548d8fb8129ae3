"""The docs: the gallery command regenerates every figure the READMEs show (not pixel for pixel),
and every test the errata table names exists."""

import ast
import os
import pathlib
import re

from conftest import REPO_ROOT, background_result
from PIL import Image


def test_make_gallery_writes_a_light_png_for_every_figure():
    code, _, stderr, folder = background_result("tests/test_docs.py::test_make_gallery")
    assert code == 0, stderr
    tmp_path = pathlib.Path(folder)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(os.listdir(os.path.join(REPO_ROOT, "docs", "figures")))
    for name in made:
        with Image.open(tmp_path / name) as png:
            assert png.width <= 800 and png.mode == "P"
        assert (tmp_path / name).stat().st_size < 200_000


def test_the_readmes_show_every_gallery_figure():
    figures = set(os.listdir(os.path.join(REPO_ROOT, "docs", "figures")))
    for readme in ("README.md", os.path.join("lesson3", "README.md")):
        with open(os.path.join(REPO_ROOT, readme), encoding="utf-8") as f:
            shown = set(re.findall(r"docs/figures/([\w.]+\.png)", f.read()))
        assert shown == figures, readme


def test_every_errata_test_named_in_lesson3_readme_exists():
    with open(os.path.join(REPO_ROOT, "lesson3", "README.md"), encoding="utf-8") as readme:
        named = set(re.findall(r"(tests/test_\w+\.py)::(test_\w+)", readme.read()))
    assert len(named) >= 20
    for path, name in sorted(named):
        with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{path}::{name}"
