"""Nothing a script prints changes with the thread count or the machine. The suite pins torch to
one thread (conftest.py); in the background, every script also runs as a command as on another
machine: 16 threads, as on a 16-core learner's laptop, ATen's kernels without SIMD and MKL's code
path for an older CPU (conftest.BACKGROUND_COMMANDS). It prints the same lines.

Two lines needed changing for this: --dead-relu's shares (now trained in float64) and
--linear-collapse's float32 difference (now printed as the bound it is under)."""

import os

import pytest
from conftest import (
    THREAD_CHECKED_SCRIPTS,
    background_result,
)


def without_saved_lines(text):
    """What a run printed, less the lines naming where figures went (each run has its folder)."""
    return [line for line in text.splitlines() if "已保存图片 saved:" not in line]


@pytest.fixture(scope="module")
def on_another_machine():
    code, _, stderr, folder = background_result("another machine")
    assert code == 0, stderr
    return folder


@pytest.mark.parametrize("script", THREAD_CHECKED_SCRIPTS, ids=os.path.basename)
def test_each_script_prints_the_same_lines_with_16_threads_and_other_kernels(
    script, on_another_machine, section_runs
):
    name = os.path.basename(script)[:-3]
    with open(os.path.join(on_another_machine, name + ".txt"), encoding="utf-8") as file:
        elsewhere = without_saved_lines(file.read())
    # a whole run prints what its flags print one by one, in table order; one thread here
    one = without_saved_lines(section_runs.whole(name))
    assert elsewhere == one
