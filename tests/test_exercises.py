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


def test_exercise_7s_derivative_is_largest_a_little_below_0_by_the_chain_rule():
    # by hand (micrograd's way): the product of σ'(z) = σ(z)(1 − σ(z)) through 10 layers
    import torch

    def through_10_sigmoids(x):
        z, derivative = x, torch.ones_like(x)
        for _ in range(10):
            s = torch.sigmoid(z)
            derivative, z = derivative * s * (1 - s), s
        return derivative

    x = torch.linspace(-1, 1, 20001, dtype=torch.float64)
    derivative = through_10_sigmoids(x)
    best = derivative.argmax()
    at_0 = through_10_sigmoids(torch.zeros(1, dtype=torch.float64))
    assert abs(x[best].item() + 0.1587) < 1e-4 and derivative[best] > at_0
    assert f"{derivative[best].item():.4g}" == "3.901e-07" and f"{at_0.item():.4g}" == "3.875e-07"
    assert derivative[best] < 1e-6  # the answer n = 10 stands


def test_exercise_9s_rule_is_the_layers_not_every_op():
    import torch

    x = torch.zeros(1, requires_grad=True)
    torch.maximum(x, torch.zeros(1)).backward()
    assert x.grad.item() == 0.5  # a tie splits the gradient: not the minimum-norm 0 of ReLU


def test_each_exercise_names_its_kind_of_question_in_the_quiz_and_that_kinds_topic():
    from lab import quiz_questions as quiz

    with open(EXERCISES_MD, encoding="utf-8") as file:
        text = file.read()
    exercises = re.split(r"^### 练习 \d+", text, flags=re.M)[1:]
    assert len(exercises) == len(ANSWERS.SECTIONS)
    for exercise in exercises:
        line = re.search(r"测验里的同类题 / the quiz's kind: (.*)", exercise).group(1)
        kinds = re.findall(r"`([\w-]+)`", line.split(" · ")[0])
        topic = re.search(r"--topic (\w+)", line).group(1)
        assert kinds and all(quiz.TOPIC_OF[kind] == topic for kind in kinds), line
