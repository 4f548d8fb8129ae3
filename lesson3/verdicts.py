"""结论的写法 / How every claims script states a claim and its verdict.

The verdicts follow one rule, written once in lesson3/README.md (成立 / 有条件成立 / 不成立).
"""

HOLDS, HOLDS_IF, DOES_NOT_HOLD = "成立 holds", "有条件成立 holds only if", "不成立 does not hold"


def claim(section, sentence):
    """Print the article's sentence and the section it comes from."""
    print(f"文章 article ({section}): “{sentence}”")


def verdict(decision, chinese, english):
    """Print the verdict and why, in Chinese with English alongside; return the decision."""
    print(f"结论 verdict: {decision}: {chinese}")
    print(f"  / {english}")
    return decision


def pad(text, width):
    """``text`` padded with spaces to ``width`` columns as a console shows them: a Chinese
    character takes two columns, so f"{text:<width}" would misalign the rows."""
    import unicodedata

    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


# Every measurement that rests on random data or training runs over these seeds, and prints how
# much its numbers spread over them, as below.
SEEDS = range(5)


def spread(values):
    """'mean ± standard deviation' of ``values`` over the seeds."""
    import statistics

    return f"{statistics.mean(values):+.3f} ± {statistics.stdev(values):.3f}"


def seeds_range(values):
    """'median [lowest, highest]' of ``values`` over the seeds."""
    import statistics

    return f"{statistics.median(values):.3g} [{min(values):.3g}, {max(values):.3g}]"


def share_range(values):
    """'lowest–highest' as percentages over the seeds."""
    return f"{min(values):.0%}–{max(values):.0%}"
