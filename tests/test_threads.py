"""Nothing a script prints changes with the thread count. The suite pins torch to one thread
(conftest.py); in the background, every script also runs as a command with 16 threads, as on a
16-core learner's laptop, and prints the same lines."""

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
def with_16_threads():
    code, _, stderr, folder = background_result("16 threads")
    assert code == 0, stderr
    return folder


@pytest.mark.parametrize("script", THREAD_CHECKED_SCRIPTS, ids=os.path.basename)
def test_each_script_prints_the_same_lines_with_16_threads_as_with_1(
    script, with_16_threads, section_runs
):
    name = os.path.basename(script)[:-3]
    with open(os.path.join(with_16_threads, name + ".txt"), encoding="utf-8") as file:
        sixteen = without_saved_lines(file.read())
    # a whole run prints what its flags print one by one, in table order; one thread here
    one = without_saved_lines(section_runs.whole(name))
    assert sixteen == one
