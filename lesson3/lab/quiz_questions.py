"""用于 used by quiz.py and quiz.ipynb.

测验的题目 / The quiz's questions: one function per kind of question learners get wrong, each
drawing its numbers from a seeded random.Random, asking PyTorch for the answer at that moment,
and taking its worked reason from the window model the explorer uses (pool_windows.py,
pool_explorer.py) or from the formula PyTorch's source states.

A Question keeps the numbers it was made from (``params``), so that a test can ask PyTorch
again, its own way, and compare.
"""

import collections
import math
import re
import unicodedata

from lab import pool_explorer
from lab.pool_windows import (
    Settings,
    axes,
    formula_steps,
    pytorch_layer,
    pytorch_line,
    shape_text,
    sizes,
)

# text: the question's lines; form: how the answer is typed (FORMS); answer: PyTorch's;
# reason: the worked lines; params: the numbers drawn; settings: the pooling layer, for --show
Question = collections.namedtuple(
    "Question", "kind text form answer reason params settings", defaults=(None,)
)

TOPICS = {
    "pooling": "池化 / pooling",
    "linear": "线性层 / linear",
    "activations": "激活 / activations",
}


# ------------------------------------------ answers ------------------------------------------

# How each kind of answer is typed: what the learner is told, and how a reply is read.
FORMS = {
    "size": "高×宽，例如 3x3、3 3 或 (3, 3) / height×width, e.g. 3x3, 3 3 or (3, 3)",
    "shape": "行×列，例如 3x4、3 4 或 (3, 4) / rows×columns, e.g. 3x4, 3 4 or (3, 4)",
    "rows": "第一行和最后一行，例如 2 4 或 2-4 / the first and the last row, e.g. 2 4 or 2-4",
    "count": "一个整数 / a whole number",
    "yes-no": "是 / 否（y / n） / yes or no (y / n)",
}
DECIMAL_FORM = "保留 {0} 位小数 / to {0} decimal place{1}"
LARGEST = 10**12  # a whole number past this is no answer to any question here
SEPARATORS = r"[\s,x×*()\[\]]*"


def form_text(form):
    """What the learner is told to type for ``form`` ("size", ..., or "decimal N")."""
    if form.startswith("decimal"):
        places = form.split()[1]
        return DECIMAL_FORM.format(places, "" if places == "1" else "s")
    return FORMS[form]


def parse(reply, form):
    """A reply read as ``form`` wants it: a tuple, an int, a float or a bool; None where it is
    not in that form (letters, 10^30, three numbers for a size). Full-width digits and Chinese
    punctuation count as their ASCII forms."""
    text = unicodedata.normalize("NFKC", reply).strip().lower()
    if form == "yes-no":
        return {"是": True, "y": True, "yes": True, "否": False, "n": False, "no": False}.get(text)
    if form == "rows":  # rows are never negative: a dash, "到" or ".." is a range
        text = re.sub(r"\.\.|[-–~到]", " ", text)
    if form.startswith("decimal"):
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            return None
        value = float(text)
        return value if abs(value) < LARGEST else None
    if not re.fullmatch(rf"{SEPARATORS}(-?\d+{SEPARATORS})+", text):
        return None
    numbers = [int(n) for n in re.findall(r"-?\d+", text)]
    if any(abs(n) >= LARGEST for n in numbers):
        return None
    if form == "count":
        return numbers[0] if len(numbers) == 1 else None
    if form in ("size", "shape") and len(numbers) == 1:
        return (numbers[0], numbers[0])  # 3 is 3×3, as PyTorch reads kernel_size=3
    return tuple(numbers) if len(numbers) == 2 else None


def is_right(value, question):
    """Whether a parsed reply is the answer: decimals within half of the last place asked."""
    if question.form.startswith("decimal"):
        places = int(question.form.split()[1])
        return abs(value - question.answer) <= 0.5 * 10**-places + 1e-9
    return value == question.answer


def shown(answer, form):
    """PyTorch's answer as the learner would type it."""
    if form == "yes-no":
        return "是 / yes" if answer else "否 / no"
    if form.startswith("decimal"):
        return f"{answer:.{int(form.split()[1])}f}"
    if form in ("size", "shape"):
        return shape_text(answer)
    if form == "rows":
        return f"{answer[0]} {answer[1]}"
    return str(answer)


# ------------------------------------------ pooling ------------------------------------------


def pytorch_size(settings):
    """The output's (height, width) from PyTorch, or None where it refuses the layer."""
    import torch

    try:
        out = pytorch_layer(settings)(torch.zeros(1, 1, *sizes(settings)))
    except (RuntimeError, ValueError, TypeError):
        return None
    return tuple(out.shape[-2:])


def a_layer(rng, pool=None, rectangular=None, ceil_mode=None, largest=32):
    """A MaxPool2d or AvgPool2d PyTorch accepts: square or rectangular, with padding, dilation
    (max pooling only) and ceil_mode drawn."""
    while True:
        pool = pool or rng.choice(("max", "avg"))
        square = not (rng.random() < 0.5 if rectangular is None else rectangular)
        count = 1 if square else 2
        size = tuple(rng.randint(4, largest) for _ in range(count))
        kernel = tuple(rng.randint(2, 5) for _ in range(count))
        stride = tuple(rng.randint(1, 3) for _ in range(count))
        padding = tuple(rng.randint(0, k // 2) for k in kernel)
        dilation = tuple(rng.randint(1, 2) if pool == "max" else 1 for _ in range(count))
        ceil = rng.random() < 0.5 if ceil_mode is None else ceil_mode
        pick = (lambda v: v[0]) if square else (lambda v: v)
        settings = Settings(
            pool, pick(size), pick(kernel), pick(stride), pick(padding), pick(dilation), ceil
        )
        if pytorch_size(settings) is not None:
            return settings


def input_line(settings):
    height, width = (axis.size for axis in axes(settings))
    return f"输入的形状 / input shape: (1, 1, {height}, {width})"


def axis_steps(settings):
    """The output-size rule worked through, once for a square layer, else per axis: the
    explorer's own lines."""
    return pool_explorer.size_text(settings, added=(0, 0))


def output_size(rng):
    """输出尺寸 / the output size of MaxPool2d or AvgPool2d, square or rectangular."""
    s = a_layer(rng)
    return Question(
        "output-size",
        [
            pytorch_line(s),
            input_line(s),
            "输出的高和宽是多少？ / what are the output's height and width?",
        ],
        "size",
        pytorch_size(s),
        axis_steps(s),
        dict(s._asdict()),
        s,
    )


def ceil_adds_a_window(rng):
    """ceil_mode 多出窗口吗 / does ceil_mode add a window here."""
    while True:  # as often a yes as a no
        wanted = rng.random() < 0.5
        s = a_layer(rng, rectangular=False, ceil_mode=True)
        floor = pytorch_size(s._replace(ceil_mode=False))
        if floor is not None and (pytorch_size(s) != floor) == wanted:
            break
    return Question(
        "ceil-mode",
        [
            pytorch_line(s),
            input_line(s),
            "和 ceil_mode=False 相比，每边多出一个窗口吗？ / does it add a window a side, compared"
            " with ceil_mode=False?",
        ],
        "yes-no",
        pytorch_size(s) != floor,
        [
            *formula_steps(*axes(s)[0]),
            f"ceil_mode=True → {pytorch_size(s)[0]}，ceil_mode=False → {floor[0]}",
        ],
        dict(s._asdict()),
        s,
    )


def average_cell(rng):
    """AvgPool2d 一个输出格的值 / one output of AvgPool2d: count_include_pad, divisor_override.

    A cell at the edge of an arange input, where the divisor rules differ."""
    import torch

    while True:
        size, kernel = rng.randint(4, 7), rng.choice((2, 3))
        padding = rng.randint(1, kernel // 2)
        override = rng.choice((None, None, rng.randint(2, 9)))
        s = Settings("avg", size, kernel, rng.randint(1, 2), padding, 1, rng.random() < 0.3,
                     rng.random() < 0.5, override)  # fmt: skip
        out_size = pytorch_size(s)
        if out_size is not None:
            break
    row, col = rng.choice((0, out_size[0] - 1)), rng.randrange(out_size[1])
    x = torch.arange(float(size * size)).reshape(1, 1, size, size)
    value = pytorch_layer(s)(x)[0, 0, row, col].item()
    state = pool_explorer.explore_state(s, highlight=row * out_size[1] + col)
    return Question(
        "average-cell",
        [
            pytorch_line(s),
            f"输入 / input: torch.arange({size * size}.).reshape(1, 1, {size}, {size})",
            f"输出的第 {row} 行第 {col} 列是多少？"
            f" / what is the output at row {row}, column {col}?",
        ],
        "decimal 2",
        value,
        [pool_explorer.window_text(state, row, col)],
        dict(s._asdict(), row=row, col=col),
        s,
    )


def unpooled(settings):
    """What nn.MaxUnpool2d(kernel, stride, padding) gives back for the pooled arange input
    without output_size: its (height, width), or None where it raises."""
    import torch
    import torch.nn as nn

    x = torch.arange(float(math.prod(sizes(settings)))).reshape(1, 1, *sizes(settings))
    pooled, indices = pytorch_layer(settings, return_indices=True)(x)
    s = settings
    try:
        return tuple(nn.MaxUnpool2d(s.kernel, s.stride, s.padding)(pooled, indices).shape[-2:])
    except (RuntimeError, ValueError):
        return None


def unpool_raises(rng):
    """不给 output_size 的 MaxUnpool2d 会报错吗 / does MaxUnpool2d raise without output_size."""
    while True:  # as often a yes as a no
        wanted = rng.random() < 0.5
        s = a_layer(rng, pool="max", rectangular=False, largest=12)._replace(dilation=1)
        if pytorch_size(s) is not None and (unpooled(s) is None) == wanted:
            break
    return Question(
        "unpool-raises",
        [
            f"x = torch.arange({s.size**2}.).reshape(1, 1, {s.size}, {s.size})",
            f"pooled, indices = {pytorch_line(s)[:-1]}, return_indices=True)(x)",
            f"nn.MaxUnpool2d({s.kernel}, {s.stride}, {s.padding})(pooled, indices)",
            "不给 output_size，会报错吗？ / without output_size, does it raise?",
        ],
        "yes-no",
        unpooled(s) is None,
        pool_explorer.unpool_text(s),
        dict(s._asdict()),
        s,
    )


def unpool_size(rng):
    """MaxUnpool2d 猜的尺寸 / the size MaxUnpool2d guesses."""
    while True:
        s = a_layer(rng, pool="max", largest=12)._replace(dilation=1)
        if pytorch_size(s) is not None and unpooled(s) is not None:
            break
    guess = []
    for name, axis, out in zip(("H", "W"), axes(s), pytorch_size(s)):
        guess.append(
            f"{name}: ({out} − 1)·{axis.stride} − 2·{axis.padding} + {axis.kernel}"
            f" = {(out - 1) * axis.stride - 2 * axis.padding + axis.kernel}"
        )
    height, width = (axis.size for axis in axes(s))
    return Question(
        "unpool-size",
        [
            f"x = torch.arange({height * width}.).reshape(1, 1, {height}, {width})",
            f"pooled, indices = {pytorch_line(s)[:-1]}, return_indices=True)(x)",
            f"nn.MaxUnpool2d({s.kernel}, {s.stride}, {s.padding})(pooled, indices)",
            "不给 output_size，得到的高和宽是多少？ / without output_size, what height and width"
            " does it give?",
        ],
        "size",
        unpooled(s),
        ["(out − 1)·stride − 2·padding + kernel:", *("  " + line for line in guess)],
        dict(s._asdict()),
        s,
    )


def adaptive_rows(rng):
    """自适应池化的一行读哪几行 / which input rows an AdaptiveAvgPool2d row reads.

    For a size it does not divide; PyTorch answers through autograd: the rows that receive a
    gradient."""
    import torch
    import torch.nn as nn

    rows = rng.randint(5, 20)
    out = rng.choice([n for n in range(2, rows) if rows % n] or [rows - 1])
    index = rng.randrange(out)
    x = torch.zeros(1, 1, rows, 3, requires_grad=True)
    nn.AdaptiveAvgPool2d((out, 1))(x)[0, 0, index, 0].backward()
    read = x.grad[0, 0, :, 0].nonzero().flatten().tolist()
    s = Settings("adaptive-avg", (rows, 3), adaptive_size=(out, 1))
    start, end = index * rows // out, -(-(index + 1) * rows // out)
    return Question(
        "adaptive-rows",
        [
            f"nn.AdaptiveAvgPool2d(({out}, 1))",
            f"输入的形状 / input shape: (1, 1, {rows}, 3)",
            f"输出的第 {index} 行读输入的哪几行？ / which input rows does output row {index} read?",
        ],
        "rows",
        (read[0], read[-1]),
        [
            f"start = ⌊{index}·{rows}/{out}⌋ = {start}, end = ⌈{index + 1}·{rows}/{out}⌉ = {end}",
            f"  [{start}, {end}): 第 {start} 到 {end - 1} 行 / rows {start} to {end - 1}",
        ],
        dict(rows=rows, out=out, index=index),
        s,
    )


# ------------------------------------------ linear ------------------------------------------


def weight_shape(rng):
    """nn.Linear 权重的形状 / nn.Linear's weight shape."""
    import torch.nn as nn

    fan_in, fan_out = rng.randint(2, 64), rng.randint(2, 64)
    return Question(
        "weight-shape",
        [f"nn.Linear({fan_in}, {fan_out}).weight.shape 是多少？ / what is its weight's shape?"],
        "shape",
        tuple(nn.Linear(fan_in, fan_out).weight.shape),
        [f"y = x·Wᵀ + b: W 是 out×in / W is out_features×in_features = {fan_out}×{fan_in}"],
        dict(fan_in=fan_in, fan_out=fan_out),
    )


def parameter_count(rng):
    """nn.Linear 的参数个数 / nn.Linear's parameter count."""
    import torch.nn as nn

    fan_in, fan_out, bias = rng.randint(2, 512), rng.randint(2, 512), rng.random() < 0.7
    layer = nn.Linear(fan_in, fan_out, bias=bias)
    sum_line = f"{fan_in}·{fan_out} + {fan_out}" if bias else f"{fan_in}·{fan_out}"
    return Question(
        "parameter-count",
        [f"nn.Linear({fan_in}, {fan_out}, bias={bias}) 有多少个参数？ / how many parameters?"],
        "count",
        sum(p.numel() for p in layer.parameters()),
        [f"in·out{' + out (bias)' if bias else ''} = {sum_line}"],
        dict(fan_in=fan_in, fan_out=fan_out, bias=bias),
    )


def linear_output(rng):
    """手设权重的 nn.Linear 输出 / nn.Linear's output with hand-set weights, as the article's.

    nn.Linear(3, 4), row i of the weight all one value, a bias, an input of three whole
    numbers."""
    import torch
    import torch.nn as nn

    rows = [rng.randint(-3, 4) for _ in range(4)]
    bias, x = rng.choice((0.5, -0.5, 1.5, 0.0)), [rng.randint(-3, 5) for _ in range(3)]
    index = rng.randrange(4)
    layer = nn.Linear(3, 4)
    layer.weight.data = torch.tensor([[float(v)] * 3 for v in rows])
    layer.bias.data.fill_(bias)
    y = layer(torch.tensor([x], dtype=torch.float))
    return Question(
        "linear-output",
        [
            "linear_layer = nn.Linear(3, 4)",
            f"linear_layer.weight.data = torch.tensor({[[float(v)] * 3 for v in rows]})",
            f"linear_layer.bias.data.fill_({bias})",
            f"y = linear_layer(torch.tensor([{[float(v) for v in x]}]))",
            f"y[0, {index}] 是多少？ / what is y[0, {index}]?",
        ],
        "decimal 1",
        y[0, index].item(),
        [
            f"y[0, {index}] = x · W[{index}] + b = {rows[index]}·({' + '.join(map(str, x))})"
            f" + {bias} = {rows[index] * sum(x) + bias:g}"
        ],
        dict(rows=rows, bias=bias, x=x, index=index),
    )


def init_bound(rng):
    """默认初始化的范围 / the bound of nn.Linear's default init, 1/√fan_in.

    kaiming_uniform_(a=√5), uniform on [−bound, bound]; the bound computed with PyTorch's own
    init functions, as reset_parameters does."""
    import torch.nn as nn

    fan_in = rng.choice((3, 4, 9, 10, 16, 25, 50, 64, 100, 128, 256, 512, 784, 1000))
    gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    bound = gain * math.sqrt(3.0 / fan_in)
    return Question(
        "init-bound",
        [
            f"nn.Linear({fan_in}, 10) 的权重默认在 [−a, a] 上均匀分布，a 是多少？"
            " / its weight starts uniform on [−a, a]: what is a?",
        ],
        "decimal 4",
        bound,
        [
            "kaiming_uniform_(a=√5): gain = √(2 / (1 + 5)) = 1/√3,",
            f"  a = gain·√(3 / fan_in) = 1/√fan_in = 1/√{fan_in} = {bound:.4f}",
        ],
        dict(fan_in=fan_in),
    )


# ---------------------------------------- activations ----------------------------------------


def gradient_at(module, x):
    import torch

    point = torch.tensor(float(x), requires_grad=True)
    module(point).backward()
    return point.grad.item()


def relu_gradient(rng):
    """ReLU 在一点的导数 / ReLU's derivative at a point, 0 included."""
    import torch.nn as nn

    x = rng.choice((0, 0, 0, -1.5, 2))
    return Question(
        "relu-gradient",
        [
            f"nn.ReLU() 在 x = {x:g} 处，autograd 给的导数是多少？ / its derivative at x = {x:g},"
            " as autograd gives it?"
        ],  # fmt: skip
        "decimal 1",
        gradient_at(nn.ReLU(), x),
        ["x > 0: 1；x ≤ 0: 0（x = 0 处 PyTorch 取 0） / x > 0: 1, x ≤ 0: 0 (PyTorch takes 0 at 0)"],
        dict(x=x),
    )


def sigmoid_gradient(rng):
    """Sigmoid 在一点的导数 / Sigmoid's derivative at a point."""
    import torch.nn as nn

    x = rng.choice((0, 0, 1, -2, 3))
    sigma = 1 / (1 + math.exp(-x))
    return Question(
        "sigmoid-gradient",
        [f"nn.Sigmoid() 在 x = {x:g} 处的导数是多少？ / its derivative at x = {x:g}?"],
        "decimal 4",
        gradient_at(nn.Sigmoid(), x),
        [f"σ'(x) = σ(x)·(1 − σ(x)) = {sigma:.4f}·{1 - sigma:.4f} = {sigma * (1 - sigma):.4f}"],
        dict(x=x),
    )


def leaky_relu(rng):
    """默认斜率的 LeakyReLU / LeakyReLU with its default slope."""
    import torch
    import torch.nn as nn

    x = rng.choice((-2, -2, -5, -0.5, 3))
    return Question(
        "leaky-relu",
        [
            f"nn.LeakyReLU()(torch.tensor({float(x)})) 是多少（默认斜率）？"
            " / what is it, with the default slope?"
        ],
        "decimal 4",
        nn.LeakyReLU()(torch.tensor(float(x))).item(),
        [f"negative_slope 默认 0.01 / defaults to 0.01: x < 0 → 0.01·x = {0.01 * x:g}; x ≥ 0 → x"],
        dict(x=x),
    )


def rrelu_eval(rng):
    """eval() 里的 RReLU / RReLU in eval()."""
    import torch
    import torch.nn as nn

    x = rng.choice((-2, -1, -4, -0.5))
    layer = nn.RReLU().eval()
    slope = (layer.lower + layer.upper) / 2
    return Question(
        "rrelu-eval",
        [f"nn.RReLU().eval()(torch.tensor({float(x)})) 是多少？ / in eval(), what is it?"],
        "decimal 4",
        layer(torch.tensor(float(x))).item(),
        [
            "eval() 时斜率固定为 (lower + upper) / 2 / in eval() the slope is fixed at"
            f" (lower + upper) / 2 = (1/8 + 1/3) / 2 = {slope:.4f}",
            f"  {slope:.4f}·({x:g}) = {slope * x:.4f}",
        ],
        dict(x=x),
    )


def tanh_from_sigmoid(rng):
    """由 Sigmoid(2x) 得 Tanh(x) / Tanh(x) from Sigmoid(2x)."""
    import torch

    x = rng.choice((0.25, 0.5, 1.0, -0.75, 1.5, -2.0))
    s = torch.sigmoid(torch.tensor(2 * x)).item()
    return Question(
        "tanh-from-sigmoid",
        [
            f"torch.sigmoid(torch.tensor({2 * x:g})) = {s:.4f}",
            f"那么 torch.tanh(torch.tensor({x:g})) 是多少？"
            f" / then what is torch.tanh(torch.tensor({x:g}))?",
        ],
        "decimal 3",
        torch.tanh(torch.tensor(x)).item(),
        [f"tanh(x) = 2·σ(2x) − 1 = 2·{s:.4f} − 1 = {2 * s - 1:.4f}"],
        dict(x=x),
    )


# Every kind of question, in the order --list shows them.
KINDS = {
    "output-size": output_size,
    "ceil-mode": ceil_adds_a_window,
    "average-cell": average_cell,
    "unpool-raises": unpool_raises,
    "unpool-size": unpool_size,
    "adaptive-rows": adaptive_rows,
    "weight-shape": weight_shape,
    "parameter-count": parameter_count,
    "linear-output": linear_output,
    "init-bound": init_bound,
    "relu-gradient": relu_gradient,
    "sigmoid-gradient": sigmoid_gradient,
    "leaky-relu": leaky_relu,
    "rrelu-eval": rrelu_eval,
    "tanh-from-sigmoid": tanh_from_sigmoid,
}
TOPIC_OF = {
    **dict.fromkeys(list(KINDS)[:6], "pooling"),
    **dict.fromkeys(list(KINDS)[6:10], "linear"),
    **dict.fromkeys(list(KINDS)[10:], "activations"),
}


def draw_kinds(rng, count, topic=None):
    """``count`` kinds of question, every kind of the topic before any repeats, shuffled."""
    kinds = [kind for kind in KINDS if topic in (None, TOPIC_OF[kind])]
    drawn = []
    while len(drawn) < count:
        batch = kinds[:]
        rng.shuffle(batch)
        drawn += batch
    return drawn[:count]


# ------------------------------------------ asking ------------------------------------------


class Score:
    """Right answers out of questions answered, for the score line (also on Ctrl-C)."""

    def __init__(self):
        self.right = self.asked = 0

    def line(self, what="得分 / score"):
        return f"{what}: {self.right}/{self.asked}"

    def so_far(self):
        """The line an interrupted or ended quiz prints."""
        return self.line("目前得分 / score so far")


SCORE = Score()


def question_lines(question, number, total):
    """A question as shown: its number and topic, its lines, the form the answer takes."""
    topic = TOPIC_OF[question.kind]
    lines = [f"第 {number}/{total} 题 · {TOPICS[topic]} / question {number} of {total} · {topic}"]
    lines += ["  " + line for line in question.text]
    return lines + [f"  作答格式 / answer as: {form_text(question.form)}"]


def feedback(question, reply):
    """What a reply gets: (None, [the form wanted]) where it is not in the form asked, else
    (right, lines): right or wrong, PyTorch's answer and the worked reason. An empty reply
    shows the answer and counts as missed."""
    if not reply.strip():
        right, lines = False, ["没有作答，算答错 / no answer: counted as missed"]
    else:
        value = parse(reply, question.form)
        if value is None:
            return None, [f"请按这个格式作答 / please answer as: {form_text(question.form)}"]
        right, lines = is_right(value, question), []
    verdict = "对 / right" if right else "错 / wrong"
    lines.append(f"{verdict}  PyTorch: {shown(question.answer, question.form)}")
    return right, lines + ["  " + line for line in question.reason]


def ask(question, number, total, read=input, score=SCORE):
    """Ask one question until the reply has the form it wants, and print its feedback.
    Returns whether it was right. Raises EOFError where input ends."""
    print("\n" + "\n".join(question_lines(question, number, total)))
    while True:
        right, lines = feedback(question, read("> "))
        print("\n".join(lines))
        if right is not None:
            break
    score.asked += 1
    score.right += right
    return right


def run_quiz(rng, count, topic=None, show=None, read=input):
    """The quiz: ``count`` questions, then each missed kind once more with new numbers."""
    SCORE.right = SCORE.asked = 0  # a new quiz (a notebook may run several in one kernel)
    missed = []
    kinds = draw_kinds(rng, count, topic)
    for number, kind in enumerate(kinds, 1):
        question = make(kind, rng)
        if not ask(question, number, count, read):
            missed.append(kind)
        if show is not None:
            show(question)
    print(f"\n{SCORE.line()}")
    if missed:
        print("\n再做一次答错的题，换了新的数 / the ones you missed, once more with new numbers:")
        first = SCORE.right, SCORE.asked
        for number, kind in enumerate(missed, 1):
            question = make(kind, rng)
            ask(question, number, len(missed), read)
            if show is not None:
                show(question)
        print(f"\n复习得分 / review score: {SCORE.right - first[0]}/{SCORE.asked - first[1]}")


NO_WIDGETS = (
    "没有 ipywidgets：`pip install -r requirements-notebooks.txt` 后有文本框和按钮，"
    "这里先用文字作答 / no ipywidgets: `pip install -r requirements-notebooks.txt` for a text"
    " box and a button; answer in text here meanwhile"
)
NO_INPUT = (
    "这里不能输入（笔记本在没有前端时运行，例如生成或预览时）：在 Jupyter 里运行这一格，或运行"
    " `python lesson3/quiz.py` / no input here (the notebook ran without a front end, as when it"
    " is generated or previewed): run this cell in Jupyter, or `python lesson3/quiz.py`"
)


def play_in_notebook(count=10, topic=None, seed=None):
    """The quiz in Jupyter: a text box, a check button and the feedback, with ipywidgets; the
    missed kinds come back once with new numbers. Without ipywidgets, a note and the command
    line's form (input()). Returns None: a cell ending with this call shows the quiz only."""
    import random

    from IPython.display import Markdown, display

    rng = random.Random(seed)
    try:
        import ipywidgets as widgets
    except ImportError:
        display(Markdown(NO_WIDGETS))
        # a kernel run without a front end (nbclient, a preview) cannot read input(): say so
        # instead of a StdinNotImplementedError (ipykernel's flag for it has no public name)
        kernel = getattr(get_ipython_or_none(), "kernel", None)
        if not getattr(kernel, "_allow_stdin", False):
            display(Markdown(NO_INPUT))
            return None
        try:
            run_quiz(rng, count, topic)
        except EOFError:
            print(SCORE.so_far())
        return None
    quiz = NotebookQuiz(widgets, rng, count, topic)
    display(quiz.box)
    return None


def get_ipython_or_none():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def as_html(lines):
    import html

    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


class NotebookQuiz:
    """The widgets of play_in_notebook and what each click does."""

    def __init__(self, widgets, rng, count, topic):
        self.rng, self.score, self.missed = rng, Score(), []
        self.queue = [(kind, number, count) for number, kind in
                      enumerate(draw_kinds(rng, count, topic), 1)]  # fmt: skip
        self.reviewing = False
        self.question_box, self.said = widgets.HTML(), widgets.HTML()
        self.reply = widgets.Text(placeholder="答案 / answer")
        self.check = widgets.Button(description="检查 / check")
        self.next = widgets.Button(description="下一题 / next", disabled=True)
        self.check.on_click(self.checked)
        self.next.on_click(self.moved_on)
        controls = widgets.HBox([self.reply, self.check, self.next])
        self.box = widgets.VBox([self.question_box, controls, self.said])
        self.moved_on()

    def moved_on(self, _=None):
        """The next question, or the score and the review, or the end."""
        if not self.queue and not self.reviewing and self.missed:
            self.reviewing, total = True, len(self.missed)
            self.queue = [(kind, number, total) for number, kind in enumerate(self.missed, 1)]
            self.first_score = self.score.right, self.score.asked
        if not self.queue:
            self.question_box.value = as_html([self.score.line()])
            self.check.disabled = self.next.disabled = True
            return
        kind, number, total = self.queue.pop(0)
        self.question = make(kind, self.rng)
        lines = question_lines(self.question, number, total)
        if self.reviewing and number == 1:
            lines[:0] = [self.score.line(), "再做一次答错的题，换了新的数 / the ones you missed,"
                         " once more with new numbers:", ""]  # fmt: skip
        self.question_box.value = as_html(lines)
        self.reply.value, self.said.value = "", ""
        self.check.disabled, self.next.disabled = False, True

    def checked(self, _=None):
        right, lines = feedback(self.question, self.reply.value)
        self.said.value = as_html(lines)
        if right is None:  # not in the form asked: the same question again
            return
        self.score.asked += 1
        self.score.right += right
        if not right and not self.reviewing:
            self.missed.append(self.question.kind)
        self.check.disabled, self.next.disabled = True, False


def make(kind, rng):
    """A new question of ``kind``, its numbers drawn from ``rng``."""
    return KINDS[kind](rng)
