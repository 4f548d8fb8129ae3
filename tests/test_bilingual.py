"""Every printed sentence is a Chinese clause, then its English clause after " / ", never words of
the two interleaved (issue 26): read from what every section of every script printed."""

import os
import re

import pytest
from conftest import LESSON_DIR, LESSON_SCRIPTS, load_module

CJK = "[\u4e00-\u9fff]"
# An English phrase (two or more lowercase words, not part of a name such as nn.Linear or
# count_include_pad) with Chinese on both sides of it, inside one clause: a Chinese sentence
# with its English words put in among its own
INTERLEAVED = re.compile(
    CJK + r".*?(?<![A-Za-z_.])([a-z]{2,}(?: [a-z]{2,})+)(?![A-Za-z_(]).*?" + CJK
)
QUOTED = re.compile(r"“[^”]*”")  # a quotation, as “Padding that was added to the input”


def interleaved(line):
    """The English phrase ``line`` puts among Chinese words, or None. A verdict's label pair
    ("结论 verdict: 有条件成立 holds only if:") is a label, as "公式 formula:" is."""
    from lab.verdicts import DOES_NOT_HOLD, HOLDS, HOLDS_IF

    for label in (HOLDS_IF, DOES_NOT_HOLD, HOLDS):
        line = line.replace(label, "")
    for clause in QUOTED.sub("", line).split(" / "):
        found = INTERLEAVED.search(clause)
        if found:
            return found.group(1)
    return None


def test_the_check_finds_the_lines_issue_26_quoted_and_passes_their_rewrites():
    quoted = [
        "默认初始化的增益 √(1/3) 低于 is below 8/8 个稳定增益 steady gains",
        "输出尺寸 output size, 每个方向 each side:",
        "  nn.PReLU(num_parameters=3), loss = 输出之和 sum of the outputs (通道 c 的 4 个像素都是",
        "  1.00 = 池化后变化一点没少 pooling removed nothing; 0.80 = 去掉了 20% removed 20%;",
    ]
    assert [interleaved(line) for line in quoted] == [
        "is below",
        "output size",
        "sum of the outputs",
        "pooling removed nothing",
    ]
    rewritten = [
        "默认初始化的增益 √(1/3) 低于 8/8 个稳定增益 / the default init's gain √(1/3) is below 8/8",
        "输出尺寸，每个方向 / output size, each side:",
        "分母默认是 kernel 面积（填充也算）；count_include_pad=False 只数真实像素；",
        "结论 verdict: 有条件成立 holds only if: y = x·Wᵀ + b：只有 bias=False 时才是线性变换；",
    ]
    assert [interleaved(line) for line in rewritten] == [None] * 4


@pytest.mark.parametrize("name", [*LESSON_SCRIPTS, "exercise_answers"])
def test_no_printed_sentence_interleaves_chinese_and_english_words(name, section_runs):
    script = load_module(os.path.join(LESSON_DIR, name + ".py"), name)
    for section in script.SECTIONS:
        code, out, _, _ = section_runs[name, section.flag]
        assert code == 0
        found = [(line, interleaved(line)) for line in out.splitlines() if interleaved(line)]
        assert not found, (section.flag, found)
