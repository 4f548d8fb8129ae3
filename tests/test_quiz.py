"""lesson3/quiz.py: every answer is PyTorch's (checked here against PyTorch directly, not the
quiz's code, on 1,000 seeded questions of every kind), every reply form a learner types is
understood, and the command behaves in a real terminal (a pseudo-terminal): right and wrong
answers, malformed replies, EOF and Ctrl-C, with the score line and exit codes."""

import math
import os
import random
import re
import select
import signal
import subprocess
import sys
import time

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT, assert_one_line_error, run_script

from lab import quiz_questions as quiz

QUIZ = os.path.join(REPO_ROOT, "lesson3", "quiz.py")


# ------------------------------ answers, asked of PyTorch again ------------------------------


def pooling_layer(p, **extra):
    kind = nn.MaxPool2d if p["pool"] == "max" else nn.AvgPool2d
    options = dict(stride=p["stride"], padding=p["padding"], ceil_mode=p["ceil_mode"])
    if p["pool"] == "max":
        options["dilation"] = p["dilation"]
    else:
        options.update(
            count_include_pad=p["count_include_pad"], divisor_override=p["divisor_override"]
        )
    return kind(p["kernel"], **options, **extra)


def input_of(p):
    size = p["size"] if isinstance(p["size"], tuple) else (p["size"], p["size"])
    return torch.arange(float(size[0] * size[1])).reshape(1, 1, *size)


def unpool_back(p):
    pooled, indices = pooling_layer(p, return_indices=True)(input_of(p))
    try:
        return tuple(
            nn.MaxUnpool2d(p["kernel"], p["stride"], p["padding"])(pooled, indices).shape[2:]
        )
    except RuntimeError:
        return None


def grad_at(module, x):
    point = torch.tensor(float(x), requires_grad=True)
    module(point).backward()
    return point.grad.item()


def pytorchs_answer(question):
    """The answer to ``question``, computed here from its numbers with PyTorch."""
    p, kind = question.params, question.kind
    if kind == "output-size":
        return tuple(pooling_layer(p)(input_of(p)).shape[2:])
    if kind == "ceil-mode":
        floor = pooling_layer({**p, "ceil_mode": False})(input_of(p)).shape
        return pooling_layer(p)(input_of(p)).shape != floor
    if kind == "average-cell":
        return pooling_layer(p)(input_of(p))[0, 0, p["row"], p["col"]].item()
    if kind == "unpool-raises":
        return unpool_back(p) is None
    if kind == "unpool-size":
        return unpool_back(p)
    if kind == "adaptive-rows":
        x = torch.zeros(1, 1, p["rows"], 1, requires_grad=True)
        nn.AdaptiveAvgPool2d((p["out"], 1))(x)[0, 0, p["index"], 0].backward()
        rows = x.grad.flatten().nonzero().flatten().tolist()
        return rows[0], rows[-1]
    if kind == "weight-shape":
        return tuple(nn.Linear(p["fan_in"], p["fan_out"]).weight.shape)
    if kind == "parameter-count":
        layer = nn.Linear(p["fan_in"], p["fan_out"], bias=p["bias"])
        return sum(t.numel() for t in layer.parameters())
    if kind == "linear-output":
        layer = nn.Linear(3, 4)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(p["rows"], dtype=torch.float)[:, None].expand(4, 3))
            layer.bias.fill_(p["bias"])
        return layer(torch.tensor([p["x"]], dtype=torch.float))[0, p["index"]].item()
    if kind == "init-bound":
        # the largest weight of a big layer reaches the bound from below: PyTorch's own bound
        # is checked against 1/√fan_in and against a layer's weights
        largest = nn.Linear(p["fan_in"], 2000).weight.abs().max().item()
        bound = 1 / math.sqrt(p["fan_in"])
        assert largest <= bound * (1 + 1e-6) and bound < largest * 1.01  # float32 rounds it

        return bound
    if kind == "relu-gradient":
        return grad_at(nn.ReLU(), p["x"])
    if kind == "sigmoid-gradient":
        return grad_at(nn.Sigmoid(), p["x"])
    if kind == "leaky-relu":
        return nn.LeakyReLU()(torch.tensor(float(p["x"]))).item()
    if kind == "rrelu-eval":
        return nn.RReLU().eval()(torch.tensor(float(p["x"]))).item()
    if kind == "tanh-from-sigmoid":
        return torch.tanh(torch.tensor(float(p["x"]))).item()
    raise AssertionError(f"no check for {kind}")


def seeded_questions(count):
    """``count`` questions, every kind in turn, from seeds 0, 1, 2, ..."""
    questions, seed = [], 0
    while len(questions) < count:
        rng = random.Random(seed)
        for kind in quiz.draw_kinds(rng, len(quiz.KINDS)):
            questions.append(quiz.make(kind, rng))
        seed += 1
    return questions[:count]


def mismatches(questions):
    wrong = []
    for question in questions:
        expected = pytorchs_answer(question)
        if question.form.startswith("decimal"):
            same = abs(expected - question.answer) < 1e-6
        else:
            same = expected == question.answer
        if not same:
            wrong.append((question.kind, question.params, question.answer, expected))
    return wrong


def test_a_thousand_questions_of_every_kind_are_answered_as_pytorch_answers():
    questions = seeded_questions(1000)
    kinds = {question.kind for question in questions}
    assert kinds == set(quiz.KINDS)
    assert min(sum(q.kind == kind for q in questions) for kind in kinds) >= 66
    assert mismatches(questions) == []
    # the yes/no kinds are not always the same answer
    for kind in ("ceil-mode", "unpool-raises"):
        answers = {q.answer for q in questions if q.kind == kind}
        assert answers == {True, False}, kind


def test_a_quiz_whose_answer_is_off_by_one_fails_the_check(monkeypatch):
    made = quiz.KINDS["output-size"]

    def off_by_one(rng):
        question = made(rng)
        return question._replace(answer=(question.answer[0] + 1, question.answer[1]))

    monkeypatch.setitem(quiz.KINDS, "output-size", off_by_one)
    questions = [q for q in seeded_questions(150) if q.kind == "output-size"]
    assert len(mismatches(questions)) == len(questions) == 10


# ------------------------------------- the replies read -------------------------------------


@pytest.mark.parametrize(
    "reply, form, value",
    [
        ("3", "size", (3, 3)),
        ("3x3", "size", (3, 3)),
        ("3×3", "size", (3, 3)),
        ("(3, 3)", "size", (3, 3)),
        ("3，3", "size", (3, 3)),
        ("3 3", "size", (3, 3)),
        ("（４, ２）", "size", (4, 2)),  # full-width digits and brackets
        ("5X2", "shape", (5, 2)),
        ("2 4", "rows", (2, 4)),
        ("2-4", "rows", (2, 4)),  # rows are never negative: a dash is a range
        ("2 到 4", "rows", (2, 4)),
        ("1 2 3", "size", None),
        ("是", "yes-no", True),
        ("Y", "yes-no", True),
        ("no", "yes-no", False),
        ("否", "yes-no", False),
        ("maybe", "yes-no", None),
        ("0.25", "decimal 2", 0.25),
        ("-.5", "decimal 1", -0.5),
        ("０.５", "decimal 1", 0.5),
        ("1e3", "decimal 1", None),
        ("abc", "decimal 2", None),
        ("10^30", "count", None),
        ("1000000000000000000000000000000", "count", None),
        ("12", "count", 12),
    ],
)
def test_each_form_a_learner_types_is_read(reply, form, value):
    assert quiz.parse(reply, form) == value


def test_a_decimal_is_right_to_the_precision_asked():
    question = quiz.Question("x", [], "decimal 2", 0.2291666, [], {})
    assert quiz.is_right(0.23, question) and quiz.is_right(0.229, question)
    assert not quiz.is_right(0.22, question) and not quiz.is_right(0.24, question)


# ------------------------------------- the command line -------------------------------------


def as_its_terminal():
    """In the child, before quiz.py starts: the pseudo-terminal becomes its controlling
    terminal, so that Ctrl-C there is its SIGINT, which it has as a learner's shell gives it
    (a suite started in the background may run with SIGINT ignored)."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_in_a_terminal(args, replies, interrupt_after=None, timeout=60):
    """Run quiz.py in a pseudo-terminal, typing each reply when a prompt ("> ") appears;
    ``interrupt_after``: press Ctrl-C at that prompt instead. Returns (exit code, all the
    terminal showed). Ctrl-D (EOF) ends the replies."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TERM": "dumb"}
    process = subprocess.Popen(
        [sys.executable, QUIZ, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=REPO_ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=as_its_terminal,
    )
    os.close(follower)
    shown, prompts, deadline = b"", 0, time.monotonic() + timeout
    replies = list(replies)
    try:
        # read until every end of the terminal is closed and drained (EIO): output a command
        # wrote just before it ended can reach this side after it has ended
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
            if shown.count(b"\n> ") > prompts:  # a prompt at the start of a line
                prompts = shown.count(b"\n> ")
                if interrupt_after is not None and prompts == interrupt_after:
                    # as a learner does, once the prompt waits: a SIGINT that comes between
                    # the prompt and readline's wait for a key is handled at the next key
                    time.sleep(0.5)
                    os.write(leader, b"\x03")
                elif replies:
                    os.write(leader, replies.pop(0).encode() + b"\n")
                else:
                    os.write(leader, b"\x04")  # Ctrl-D: EOF
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running: {shown[-900:]!r}") from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return code, shown.decode("utf-8", "replace").replace("\r\n", "\n")


def questions_of(seed, count, topic=None):
    rng = random.Random(seed)
    return [quiz.make(kind, rng) for kind in quiz.draw_kinds(rng, count, topic)]


def typed(question):
    """The answer as a learner types it."""
    answer = question.answer
    if question.form.startswith("decimal"):
        return f"{answer:.{int(question.form.split()[1])}f}"
    if question.form == "yes-no":
        return "是" if answer else "n"
    if question.form == "count":
        return str(answer)
    return f"({answer[0]}, {answer[1]})" if question.form == "rows" else f"{answer[0]}x{answer[1]}"


def wrong_reply(question):
    """A reply in the question's form that is not its answer."""
    if question.form == "yes-no":
        return "否" if question.answer else "是"
    if question.form.startswith("decimal"):
        return f"{question.answer + 1:.2f}"
    if question.form == "count":
        return str(question.answer + 1)
    first, second = question.answer
    return f"{first + 1} {second}"


def test_wrong_and_malformed_replies_then_the_missed_ones_come_back_with_new_numbers():
    first, second = questions_of(11, 2, "pooling")
    # the first: letters and 10^30 ask again, an empty reply shows the answer (missed); the
    # second: a wrong reply; then both kinds come back with new numbers, and EOF ends them
    replies = ["abc", "10^30", "", wrong_reply(second)]
    code, shown = run_in_a_terminal(["--seed", "11", "--count", "2", "--topic", "pooling"], replies)
    assert code == 0, shown
    assert shown.count("请按这个格式作答 / please answer as:") == 2, shown
    assert "没有作答，算答错 / no answer: counted as missed" in shown
    assert shown.count("错 / wrong") == 2 and "得分 / score: 0/2" in shown
    assert (
        "再做一次答错的题，换了新的数 / the ones you missed, once more with new numbers:" in shown
    )
    assert "输入结束 / input ended · 目前得分 / score so far: 0/2" in shown
    assert shown.count("PyTorch: ") == 2
    assert f"PyTorch: {quiz.shown(first.answer, first.form)}" in shown


# every form a learner may type, by the answer's form: each question of the run takes the next
# one of its form (a size of 3×3 may also be typed 3)
FORMS_TYPED = {
    "size": ["{0}x{1}", "{0}×{1}", "({0}, {1})", "{0}，{1}", "{0} {1}", "（{0}, {1}）"],
    "rows": ["{0} {1}", "{0}-{1}", "{0}到{1}"],
    "yes-no": {True: ["是", "y", "yes", "Y"], False: ["否", "n", "no", "NO"]},
}


def typed_in_every_form(questions):
    used = {"size": 0, "rows": 0, True: 0, False: 0}
    replies, forms = [], set()
    for question in questions:
        if question.form in ("size", "rows"):
            choices = FORMS_TYPED[question.form]
            form = choices[used[question.form] % len(choices)]
            used[question.form] += 1
            if question.form == "size" and len(set(question.answer)) == 1 and "{0}" not in forms:
                form = "{0}"
            replies.append(form.format(*question.answer))
        elif question.form == "yes-no":
            choices = FORMS_TYPED["yes-no"][question.answer]
            form = choices[used[question.answer] % len(choices)]
            used[question.answer] += 1
            replies.append(form)
        else:
            form = "full-width"  # full-width digits
            replies.append(
                typed(question).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
            )
        forms.add(form)
    return replies, forms


def test_every_accepted_form_of_an_answer_is_right_in_a_terminal():
    questions = questions_of(0, 24, "pooling")
    replies, forms = typed_in_every_form(questions)
    assert len(forms) == 18  # 7 for a size, 3 for rows, yes and no 4 ways each, full-width
    code, shown = run_in_a_terminal(["--seed", "0", "--count", "24", "--topic", "pooling"], replies)
    assert code == 0, shown
    assert shown.count("对 / right") == 24 and "得分 / score: 24/24" in shown, replies


def test_ctrl_c_prints_the_score_so_far_on_one_line_and_exits_130():
    questions = questions_of(5, 3)
    code, shown = run_in_a_terminal(
        ["--seed", "5", "--count", "3"], [typed(questions[0])], interrupt_after=2
    )
    assert code == 130, shown
    lines = [line for line in shown.splitlines() if "interrupted" in line]
    assert len(lines) == 1, shown[-2000:]
    (line,) = lines
    assert line.strip() == "已中断 interrupted · 目前得分 / score so far: 1/1"
    assert "Traceback" not in shown


def test_the_same_seed_gives_the_same_questions_in_another_process_with_16_threads_in_gbk(
    tmp_path,
):
    # every reply empty: each answer is printed, the missed ones come back, and the input
    # ends (EOF) during the review, which prints the score so far and exits 0
    outputs = []
    for threads, encoding in (("1", "utf-8"), ("16", "gbk")):
        result = subprocess.run(
            [sys.executable, QUIZ, "--seed", "99", "--count", "15"],
            input=("\n" * 20).encode(),
            capture_output=True,
            cwd=tmp_path,
            env={**os.environ, "OMP_NUM_THREADS": threads, "PYTHONIOENCODING": encoding},
            timeout=120,
        )
        assert result.returncode == 0 and result.stderr == b"", result.stderr
        outputs.append(result.stdout.decode(encoding))  # strict: every byte is the console's
    answers = [re.findall(r"PyTorch: (.*)", output) for output in outputs]
    assert answers[0] == answers[1] and len(answers[0]) == 20  # 15, then 5 of the review
    assert answers[0][:15] == [quiz.shown(q.answer, q.form) for q in questions_of(99, 15)]
    assert outputs[0].rstrip().endswith("输入结束 / input ended · 目前得分 / score so far: 0/20")
    assert outputs[1].splitlines()[-1] == outputs[0].splitlines()[-1]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--count", "0"], "--count: 应为 1 到 100 的整数"),
        (["--count", "x"], "must be a whole number from 1 to 100"),
        (["--seed", "-1"], "--seed"),
        (["--topic", "convolution"], "invalid choice: 'convolution'"),
    ],
)
def test_bad_options_are_one_line(tmp_path, args, fragment):
    result = run_script(*args, cwd=tmp_path, script=QUIZ)
    assert_one_line_error(result, fragment, code=2)


def test_list_names_every_kind_with_its_topic(tmp_path):
    result = run_script("--list", cwd=tmp_path, script=QUIZ)
    lines = result.stdout.splitlines()
    assert len(lines) == len(quiz.KINDS)
    for line, kind in zip(lines, quiz.KINDS):
        assert line.split()[:2] == [quiz.TOPIC_OF[kind], kind]


# ------------------------------------------ the notebook ------------------------------------------


class FakeWidget:
    """What NotebookQuiz uses of an ipywidgets widget: value, disabled, on_click and click."""

    def __init__(self, children=None, **options):
        self.value, self.disabled, self.children, self.handlers = "", False, children, []
        self.__dict__.update(options)

    def on_click(self, handler):
        self.handlers.append(handler)

    def click(self):
        for handler in self.handlers:
            handler(self)


def test_the_notebook_quiz_checks_a_reply_then_moves_on_then_reviews_the_missed_kind():
    import types

    fake = types.SimpleNamespace(
        HTML=FakeWidget, Text=FakeWidget, Button=FakeWidget, HBox=FakeWidget, VBox=FakeWidget
    )
    first, second = questions_of(3, 2, "linear")
    played = quiz.NotebookQuiz(fake, random.Random(3), 2, "linear")
    assert "第 1/2 题" in played.question_box.value and played.next.disabled
    played.reply.value = "abc"  # not in the form asked: the same question again
    played.check.click()
    assert "please answer as" in played.said.value and played.next.disabled
    played.reply.value = wrong_reply(first)
    played.check.click()
    assert "错 / wrong" in played.said.value and played.check.disabled
    played.next.click()
    assert "第 2/2 题" in played.question_box.value and played.said.value == ""
    played.reply.value = typed(second)
    played.check.click()
    assert "对 / right" in played.said.value
    played.next.click()  # the missed kind comes back, after the score so far
    assert "得分 / score: 1/2" in played.question_box.value
    assert "the ones you missed" in played.question_box.value
    assert played.question.kind == first.kind and played.question != first
    played.reply.value = typed(played.question)
    played.check.click()
    played.next.click()
    assert played.question_box.value == "<pre>得分 / score: 2/3</pre>"
    assert played.check.disabled and played.next.disabled


def test_without_ipywidgets_the_notebook_says_so_and_where_input_is_not_possible(monkeypatch):
    import IPython.display

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # not installed
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert quiz.play_in_notebook(count=2, seed=1) is None
    assert [item.data for item in shown] == [quiz.NO_WIDGETS, quiz.NO_INPUT]


def test_show_saves_the_explorers_picture_of_each_pooling_question_without_a_display(
    tmp_path, monkeypatch, capsys
):
    import io

    from conftest import load_module
    from PIL import Image

    from lesson_cli.console import run_cli

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))  # one empty reply, then EOF
    script = load_module(QUIZ)
    args = ["--seed", "3", "--count", "2", "--topic", "pooling", "--show", "--out", str(tmp_path)]
    assert run_cli(script.main, args) == 0
    out, err = capsys.readouterr()
    assert (
        err
        == "提示 note: 没有显示器，图片已保存但不弹出窗口 / no display: figures saved, not shown\n"
    )
    assert f"已保存图片 saved: {tmp_path / 'quiz_explore.png'}" in out
    with Image.open(tmp_path / "quiz_explore.png") as picture:
        assert picture.info["Software"] == "pytorch-3.3 lesson3 figure"
