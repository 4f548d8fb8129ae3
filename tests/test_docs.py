"""The docs: the gallery command regenerates every figure the READMEs show (not pixel for pixel),
and every test the errata table names exists."""

import ast
import os
import re

import pytest
from conftest import REPO_ROOT, background_result, load_module
from PIL import Image

from lesson_cli.console import InputError, run_cli


def test_make_gallery_writes_a_light_png_for_every_figure(tmp_path):
    # the figures every script saved when it ran as a command (tests/test_threads.py's run)
    code, _, stderr, figures = background_result("16 threads")
    assert code == 0, stderr
    gallery = load_module(os.path.join(REPO_ROOT, "docs", "make_gallery.py"))
    assert run_cli(gallery.main, ["--figures", figures, "--dest", str(tmp_path)]) == 0
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


def test_make_gallery_runs_each_script_and_refuses_jobs_it_cannot_use(tmp_path, capsys):
    gallery = load_module(os.path.join(REPO_ROOT, "docs", "make_gallery.py"))
    for jobs in ("0", "-1", "6"):
        assert run_cli(gallery.main, ["--jobs", jobs, "--dest", str(tmp_path)]) == 2
        assert "--jobs must be from 1 to 5" in capsys.readouterr().err
    failing = tmp_path / "failing.py"
    failing.write_text("import sys; sys.exit(3)\n")
    gallery.SCRIPTS = [str(failing)]  # what run_scripts reports when a script fails
    with pytest.raises(InputError, match="failing.py failed with exit code 3"):
        gallery.run_scripts(str(tmp_path), 1)
