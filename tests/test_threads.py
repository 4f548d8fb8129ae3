"""Nothing a script prints changes with the thread count or the machine. The suite pins torch to
one thread (conftest.py); in the background every section of every script runs as on another
machine: 16 threads, as on a 16-core learner's laptop, ATen's kernels without SIMD and MKL's code
path for an older CPU (conftest.BACKGROUND_COMMANDS). Every test that reads a section's output
reads that run (conftest.SectionRuns), and these compare it with runs made otherwise:

- the notebooks' saved outputs, made by docs/make_notebooks.py with this machine's threads and
  kernels, all sections in one kernel (tests/test_notebooks.py, every script with a notebook);
- the article's notebook, run afresh with one thread (tests/test_notebooks.py);
- here, the exercise answers (the one script without a notebook), run in this process.

Two lines needed changing for this: --dead-relu's shares (now trained in float64) and
--linear-collapse's float32 difference (now printed as the bound it is under)."""

import os

from conftest import LESSON_DIR, load_module, main_runner


def without_saved_lines(text):
    """What a run printed, less the lines naming where figures went (each run has its folder)."""
    return [line for line in text.splitlines() if "已保存图片 saved:" not in line]


def test_the_exercise_answers_are_the_same_with_16_threads_and_other_kernels(
    section_runs, tmp_path, monkeypatch, capsys
):
    answers = load_module(os.path.join(LESSON_DIR, "exercise_answers.py"))
    run = main_runner(answers, tmp_path, monkeypatch, capsys)
    for section in answers.SECTIONS:
        code, here, _ = run("--" + section.flag)  # one thread, this machine's kernels
        assert code == 0
        elsewhere = section_runs["exercise_answers", section.flag][1]
        assert without_saved_lines(elsewhere) == without_saved_lines(here), section.flag
