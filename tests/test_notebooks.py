"""The notebook edition: generated from the scripts (never drifting from them), runnable top to
bottom in a fresh kernel, printing what the scripts print, and light."""

import base64
import io
import os
import re

import nbformat
import pytest
from conftest import LESSON_SCRIPTS, REPO_ROOT, background_result, load_module, load_script
from PIL import Image

NAMES = (*LESSON_SCRIPTS, "quiz")


def generator():
    return load_module(os.path.join(REPO_ROOT, "docs", "make_notebooks.py"))


def committed(name):
    return nbformat.read(os.path.join(REPO_ROOT, "lesson3", name + ".ipynb"), as_version=4)


def cells(notebook):
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


@pytest.mark.parametrize("name", NAMES)
def test_each_committed_notebook_is_what_the_generator_makes_from_todays_script(name):
    assert cells(committed(name)) == cells(generator().build(name)), (
        f"lesson3/{name}.ipynb is out of date: python docs/make_notebooks.py --only {name}"
    )


def printed(cell):
    return "".join(o.text for o in cell.get("outputs", []) if o.get("name") == "stdout")


# What PyTorch rewords between the releases CI installs, and the lesson does not teach: the
# operator's name in front of a shape error ("addmm: mat1 and mat2 shapes cannot be multiplied"
# in torch 2.15, without it in 2.2-2.14). The shapes, which the lesson teaches, stay compared.
REWORDED = [(re.compile(r"\b(?:addmm|mm|matmul|linear): (mat1 and mat2 shapes)"), r"\1")]


def normalised(text):
    for pattern, replacement in REWORDED:
        text = pattern.sub(replacement, text)
    return text


def test_normalising_keeps_the_shapes_and_drops_only_the_operators_name():
    new = (
        "48×40: RuntimeError: addmm: mat1 and mat2 shapes cannot be multiplied (1x3840 and 2048x10)"
    )
    old = "48×40: RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x3840 and 2048x10)"
    assert normalised(new) == normalised(old) == old
    assert normalised(old.replace("3840", "3841")) != old


def script_output_by_section(name, run_cli_capture):
    """What the script prints for each section (its heading line and 'saved' lines left out)."""
    module = load_script(name)
    sections = {}
    for section in module.SECTIONS:
        code, out = run_cli_capture(module, section.flag)
        assert code == 0
        lines = out.splitlines()[2:]  # a blank line and the ==== heading ==== line
        sections[section.heading] = "\n".join(
            line for line in lines if "已保存图片 saved" not in line
        )
    return sections


def notebook_output_by_section(notebook):
    """What each section's cells print, keyed by the section's heading (its markdown cell)."""
    sections, heading = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            heading = cell.source.splitlines()[0][3:]
            sections[heading] = ""
        elif heading is not None:
            sections[heading] += printed(cell)
    return {heading: text.rstrip("\n") for heading, text in sections.items()}


@pytest.fixture
def run_cli_capture(section_runs):
    """(exit code, stdout) of one section of a script, run alone: each section is run once, for
    every test that needs it (conftest.SectionRuns)."""

    def run(module, flag):
        code, out, _, _ = section_runs[module.__name__, flag]
        return code, out

    return run


def test_the_article_notebook_runs_top_to_bottom_from_the_root_and_prints_what_the_script_does(
    run_cli_capture,
):
    code, _, stderr, folder = background_result("article notebook")
    assert code == 0, stderr
    notebook = nbformat.read(os.path.join(folder, "nn_layers_others.ipynb"), as_version=4)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    assert notebook_output_by_section(notebook) == script_output_by_section(
        "nn_layers_others", run_cli_capture
    )
    shown = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    figures = [
        name for section in load_script("nn_layers_others").SECTIONS for name in section.figures
    ]
    assert len(shown) == len(figures)  # every figure the article's sections draw, inline


@pytest.mark.parametrize("name", LESSON_SCRIPTS[1:])
def test_the_saved_outputs_of_the_other_notebooks_are_what_the_scripts_print(name, run_cli_capture):
    saved = notebook_output_by_section(committed(name))
    printed_now = script_output_by_section(name, run_cli_capture)
    assert {heading: normalised(text) for heading, text in saved.items()} == {
        heading: normalised(text) for heading, text in printed_now.items()
    }


def test_the_notebooks_are_light_and_show_their_figures_inline():
    total = 0
    for name in NAMES:
        path = os.path.join(REPO_ROOT, "lesson3", name + ".ipynb")
        total += os.path.getsize(path)
        for cell in committed(name).cells:
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    png = Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"])))
                    assert png.width <= 1000, (name, png.size)
    assert total < 2_000_000


# The share of a picture that is not white: two empty 0-1 axes (what plt.show() made of an
# animation's figure) measure 0.027; the lightest real figure of these notebooks 0.058.
EMPTY_AXES_INK = 0.04


def ink(png_base64):
    import numpy as np

    picture = Image.open(io.BytesIO(base64.b64decode(png_base64))).convert("L")
    return float((np.asarray(picture) < 250).mean())


@pytest.mark.parametrize("name", NAMES)
def test_each_saved_notebook_shows_pictures_not_empty_axes_stderr_or_stray_reprs(name):
    for cell in committed(name).cells:
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", (name, output.get("text"))
            data = output.get("data", {})
            if "image/png" in data:
                assert ink(data["image/png"]) > EMPTY_AXES_INK, (name, cell.source[:80])
            text = data.get("text/plain", "")
            assert not text.startswith("<function"), (name, text)


def test_the_animations_are_saved_in_their_notebook_as_gifs():
    gifs = [
        Image.open(io.BytesIO(base64.b64decode(output["data"]["image/gif"])))
        for cell in committed("beyond_the_article").cells
        for output in cell.get("outputs", [])
        if "image/gif" in output.get("data", {})
    ]
    animate = [s for s in load_script("beyond_the_article").SECTIONS if s.flag == "animate"][0]
    assert len(gifs) == len(animate.figures)
    assert all(gif.n_frames > 1 for gif in gifs)


def test_the_quiz_notebook_shows_a_sample_question_and_its_feedback_as_text(capsys):
    import random

    from lab import quiz_questions as quiz

    sample_cell, play_cell = [c for c in committed("quiz").cells if c.cell_type == "code"][1:]
    seed = generator().SAMPLE_SEED
    sample = quiz.make("average-cell", random.Random(seed))
    assert quiz.ask(sample, 1, 1, read=lambda prompt: quiz.shown(sample.answer, sample.form))
    assert printed(sample_cell) == capsys.readouterr().out  # what the quiz prints today
    assert "对 / right  PyTorch: " in printed(sample_cell)
    # saved without ipywidgets and without a front end: the two notes, nothing else
    notes = [o["data"]["text/markdown"] for o in play_cell.outputs]
    assert notes == [quiz.NO_WIDGETS, quiz.NO_INPUT]
