"""Nothing a script prints changes with the thread count. The suite pins torch to one thread
(conftest.py); in the background, every script also runs as a command with 16 threads, as on a
16-core learner's laptop, and prints the same lines."""

import contextlib
import io
import os

import pytest
from conftest import (
    CLAIM_SCRIPTS,
    REPO_ROOT,
    THREAD_CHECKED_SCRIPTS,
    background_result,
    load_module,
)

from lesson_cli.console import run_cli


def printed(module, out_dir):
    """What ``module``'s main prints with every section, in this process (one thread)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = run_cli(module.main, ["--out", str(out_dir), "--no-show"])
    assert code == 0
    return without_saved_lines(out.getvalue())


def without_saved_lines(text):
    """What a run printed, less the lines naming where figures went (each run has its folder)."""
    return [line for line in text.splitlines() if "已保存图片 saved:" not in line]


@pytest.fixture(scope="module")
def with_16_threads():
    code, _, stderr, folder = background_result("16 threads")
    assert code == 0, stderr
    return folder


@pytest.mark.parametrize("script", THREAD_CHECKED_SCRIPTS, ids=os.path.basename)
def test_each_script_prints_the_same_lines_with_16_threads_as_with_1(
    script, with_16_threads, claim_runs, tmp_path
):
    name = os.path.basename(script)[:-3]
    with open(os.path.join(with_16_threads, name + ".txt"), encoding="utf-8") as file:
        sixteen = without_saved_lines(file.read())
    claims = {module.__name__: module for module in CLAIM_SCRIPTS}
    if name in claims:  # a whole run prints what its flags print one by one, in table order
        runs = [claim_runs["--" + section.flag][1] for section in claims[name].SECTIONS]
        one = without_saved_lines("".join(runs))
    else:
        one = printed(load_module(os.path.join(REPO_ROOT, "lesson3", name + ".py")), tmp_path)
    assert sixteen == one
