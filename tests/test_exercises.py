"""lesson3/exercises.md: every answer written there is what lesson3/exercise_answers.py computes."""

import os
import re

import pytest
from conftest import REPO_ROOT, load_module

from lesson_cli.console import run_cli

EXERCISES_MD = os.path.join(REPO_ROOT, "lesson3", "exercises.md")


ANSWERS = load_module(os.path.join(REPO_ROOT, "lesson3", "exercise_answers.py"))


def answer_blocks():
    """{flag: the text block of its answer} from the folds of exercises.md."""
    with open(EXERCISES_MD, encoding="utf-8") as file:
        text = file.read()
    folds = re.findall(
        r"<details><summary>.*?<code>--([\w-]+)</code>.*?```text\n(.*?)```", text, re.S
    )
    return {flag: block for flag, block in folds}


def test_every_exercise_has_a_folded_answer_and_every_answer_an_exercise():
    assert set(answer_blocks()) == {section.flag for section in ANSWERS.SECTIONS}
    assert 3 * 3 <= len(ANSWERS.SECTIONS) <= 3 * 5  # three to five per article section


@pytest.mark.parametrize("section", ANSWERS.SECTIONS, ids=lambda s: s.flag)
def test_each_written_answer_is_what_the_code_computes_now(section, capsys):
    section.run()
    computed = capsys.readouterr().out
    assert answer_blocks()[section.flag] == computed


def test_the_answers_run_as_a_command(capsys, tmp_path):
    assert run_cli(ANSWERS.main, ["--ceil-mode", "--out", str(tmp_path)]) == 0
    assert "224: ceil_mode=False → 111, ceil_mode=True → 112" in capsys.readouterr().out
