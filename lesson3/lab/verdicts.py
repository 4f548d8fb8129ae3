"""用于 used by the three claims_*.py scripts and beyond_activations.py.

结论的写法 / How every claims script states a claim and its verdict, and the seeds and the
optimizer their trainings share.

The verdicts follow one rule, written once in lesson3/README.md (成立 / 有条件成立 / 不成立).
"""

HOLDS, HOLDS_IF, DOES_NOT_HOLD = "成立 holds", "有条件成立 holds only if", "不成立 does not hold"


def all_some_none(cases):
    """成立 when every case says so, 有条件成立 when some do, 不成立 when none does."""
    if all(cases):
        return HOLDS
    return HOLDS_IF if any(cases) else DOES_NOT_HOLD


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
SEEDS = range(20)


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


class Optimizer:
    """torch.optim.SGD or torch.optim.Adam with their defaults, the same arithmetic step for step
    (tests/test_verdicts.py checks it bit for bit), with their zero_grad() and step().

    Not torch.optim itself: its first step imports torch._dynamo, 1.5–3 s here, longer than
    the claims' trainings take."""

    def __init__(self, name, params, lr, betas=(0.9, 0.999), eps=1e-8):
        import torch

        self.name, self.params, self.lr, self.betas, self.eps = name, list(params), lr, betas, eps
        self.steps = 0
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        import torch

        self.steps += 1
        beta1, beta2 = self.betas
        with torch.no_grad():
            for p, (mean, mean_square) in zip(self.params, self.moments):
                if self.name == "SGD":
                    p.add_(p.grad, alpha=-self.lr)
                    continue
                # Adam: moving averages of the gradient and its square, corrected for their
                # start at 0
                mean.lerp_(p.grad, 1 - beta1)
                mean_square.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denominator = (mean_square.sqrt() / (1 - beta2**self.steps) ** 0.5).add_(self.eps)
                p.addcdiv_(mean, denominator, value=-(self.lr / (1 - beta1**self.steps)))
