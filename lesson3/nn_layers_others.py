"""3.3 池化层、线性层和激活函数层 / Pooling, linear and activation layers: the article's code.

Each section of the article is a function below, under the article's heading; a flag picks it
(no flag: all six, in article order). ``python lesson3/nn_layers_others.py --list`` lists them.
What goes beyond the article is in beyond_the_article.py; the article's claims are measured in
article_claims.py; the figures are drawn in plots.py.

Each section imports what it uses at its top, so that ``--help`` and ``--list`` answer without
loading torch (which takes seconds), and ``--linear`` never loads torchvision or matplotlib.
"""

import os
import sys

# common_tools.py sits at the top of the repository: find it (and plots.py) from any folder.
LESSON_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

import plots  # noqa: E402

from common_tools import Section, run_cli, run_sections, set_seed, transform_invert  # noqa: E402

# ================================= 池化层 pooling ==================================


def maxpool(img):
    """最大池化：nn.MaxPool2d()"""
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    # convert to tensor
    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2))
    img_pool = maxpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)
    return {"maxpool": plots.before_after(img_raw, img_pool, "MaxPool2d((2, 2), stride=(2, 2))")}


def avgpool(img):
    """nn.AvgPool2d()"""
    import torch
    import torch.nn as nn
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool_pil = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)

    # 文章中的 4×4 全 1 例子 / the article's 4×4 example
    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    title = "AvgPool2d((2, 2), stride=(2, 2))"
    return {"avgpool": plots.before_after(img_raw, img_pool_pil, title)}


def divisor_override():
    """加上 divisor_override=3 后 / nn.AvgPool2d(divisor_override=3)"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2), divisor_override=3)
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))
    return {}


def maxunpool():
    """nn.MaxUnpool2d()"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    # pooling
    img_tensor = torch.randint(high=5, size=(1, 1, 4, 4), dtype=torch.float)
    maxpool_layer = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)
    img_pool, indices = maxpool_layer(img_tensor)

    # unpooling
    img_reconstruct = torch.randn_like(img_pool, dtype=torch.float)
    maxunpool_layer = nn.MaxUnpool2d((2, 2), stride=(2, 2))
    img_unpool = maxunpool_layer(img_reconstruct, indices)

    print("raw_img:\n{}\nimg_pool:\n{}".format(img_tensor, img_pool))
    print("img_reconstruct:\n{}\nimg_unpool:\n{}".format(img_reconstruct, img_unpool))
    # 文章此处误贴了代码，上面才是真实输出 / the article repeats the code here; this is the output
    print("indices:\n{}".format(indices))
    return {"maxunpool": plots.unpool(img_tensor, img_reconstruct, img_unpool, indices)}


# ================================= 线性层 linear ==================================


def linear():
    """线性层"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    inputs = torch.tensor([[1.0, 2, 3]])
    linear_layer = nn.Linear(3, 4)
    linear_layer.weight.data = torch.tensor(
        [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0], [4.0, 4.0, 4.0]]
    )

    linear_layer.bias.data.fill_(0.5)
    output = linear_layer(inputs)
    print(inputs, inputs.shape)
    print(linear_layer.weight.data, linear_layer.weight.data.shape)
    print(output, output.shape)
    print(
        "注 note: 文章显示 AddmmBackward，新版 PyTorch 显示 AddmmBackward0，是同一个反向节点"
        " / the article's AddmmBackward is named AddmmBackward0 in current PyTorch: same node"
    )
    print("y = x·Wᵀ + b: 6.5 = (1 + 2 + 3)·1 + 0.5, 12.5 = (1 + 2 + 3)·2 + 0.5, ...")
    return {}


# ================================= 激活函数层 activations ==================================


def activations():
    """激活函数层"""
    figures = sigmoid_tanh_relu()
    figures.update(relu_variants())
    return figures


def sigmoid_tanh_relu():
    """nn.Sigmoid、nn.Tanh、nn.ReLU(修正线性单元)"""
    import torch
    import torch.nn as nn

    x = torch.arange(-1000, 1001) / 100  # x ∈ [-10, 10], step 0.01; x = 0 exactly, at index 1000
    layers = [
        (nn.Sigmoid(), "y = 1 / (1 + e^(-x))", "y' = y·(1 - y)", "y ∈ (0, 1); y' ∈ (0, 0.25]"),
        (
            nn.Tanh(),
            "y = (e^x - e^(-x)) / (e^x + e^(-x)) = 2 / (1 + e^(-2x)) - 1 = 2·sigmoid(2x) - 1",
            "y' = 1 - y²",
            "y ∈ (-1, 1); y' ∈ (0, 1]",
        ),
        (nn.ReLU(), "y = max(0, x)", "y' = 1 (x > 0), 0 (x < 0)", "y ∈ [0, ∞); y' ∈ {0, 1}"),
    ]
    curves = {}
    for layer, formula, derivative, ranges in layers:
        y, dy = output_and_gradient(layer, x)  # dy: what autograd computes, not a formula
        name = "nn." + type(layer).__name__
        print(f"--- {name} ---")
        print(f"  公式 formula:     {formula}")
        print(f"  导数 derivative:  {derivative}")
        print(f"  值域 ranges:      {ranges}")
        print(f"  实测 measured (float32, x ∈ [-10, 10], step 0.01): {measured(x, y, dy)}")
        curves[name] = (y, dy)
    print(float32_saturation())
    print(ACTIVATION_ERRATA)
    return {"activation_sigmoid_tanh_relu": plots.activation_curves(x, curves)}


def output_and_gradient(layer, x):
    """y = layer(x) and y' from autograd: backward() of y.sum() leaves dy_i/dx_i in x.grad."""
    x = x.clone().requires_grad_(True)
    y = layer(x)
    y.sum().backward()
    return y.detach(), x.grad


def derivative_values(layer, x):
    """The distinct values autograd gives for y' on the grid x, as a set: {0.1, 1}."""
    _, dy = output_and_gradient(layer, x)
    return "{" + ", ".join(f"{value:.4g}" for value in dy.unique().tolist()) + "}"


def measured(x, y, dy):
    """y's range, y' as a set (few values) or a range, y'(0), and where y' is largest."""
    distinct = dy.unique()
    if len(distinct) <= 3:
        slopes = "y' ∈ {" + ", ".join(f"{v:.4g}" for v in distinct.tolist()) + "}"
    else:
        slopes = f"y' ∈ [{dy.min():.4g}, {dy.max():.4g}]"
    at_max = x[dy == dy.max()]
    if len(at_max) == 1:
        where = f"x = {at_max.item():.2f}"
    else:
        where = f"x ∈ [{at_max.min():.2f}, {at_max.max():.2f}] ({len(at_max)} 个点 points)"
    at_zero = dy[x == 0].item()
    return (
        f"y ∈ [{y.min():.5g}, {y.max():.5g}], {slopes}, y'(0) = {at_zero:.4g}, "
        f"最大导数 largest y' = {dy.max():.4g} at {where}"
    )


def float32_threshold(is_true, low, high):
    """The smallest float32 x in [low, high] where ``is_true(x)``; it must switch once, from
    False at ``low`` to True at ``high``. Bisection ends at two neighbouring float32 numbers."""
    import torch

    low, high = torch.tensor(low), torch.tensor(high)
    while True:
        middle = (low + high) / 2
        if middle in (low, high):
            return high.item()
        if is_true(middle):
            high = middle
        else:
            low = middle


def float32_saturation():
    """Where float32 rounds tanh and sigmoid to their limits, so that y' is exactly 0."""
    import torch

    tanh_one = float32_threshold(lambda x: torch.tanh(x) == 1, 0.0, 100.0)
    sigmoid_one = float32_threshold(lambda x: torch.sigmoid(x) == 1, 0.0, 100.0)
    sigmoid_zero = float32_threshold(lambda x: torch.sigmoid(x) > 0, -200.0, 0.0)
    return (
        "float32 饱和 saturation (y' 在这里正好是 0 / y' is exactly 0 there):\n"
        f"  tanh(x) = ±1     for |x| ≥ {tanh_one:.4f}\n"
        f"  sigmoid(x) = 1   for x ≥ {sigmoid_one:.4f}\n"
        f"  sigmoid(x) = 0   for x < {sigmoid_zero:.4f}"
    )


ACTIVATION_ERRATA = """勘误 errata (文章 article → PyTorch):
  nn.Sigmoid: 导数范围 [0, 0.25] → (0, 0.25]，最大值 0.25 在 x = 0 / max 0.25 at x = 0
             (float32 中 y 舍入为 0 或 1 后导数算出 0，见上 / exactly 0 where float32 saturates)
  nn.tanh → nn.Tanh: PyTorch 没有 nn.tanh（函数是 torch.tanh）/ the layer is nn.Tanh
  nn.Tanh: y = sin x / cos x 是 tan x / that is tan x, not tanh x
  nn.Tanh: 分母 e^{-} + e^{-x} 缺了 x，应为 e^x + e^(-x) / the denominator's first term is e^x
  nn.Tanh: 最后一项 2 / (1 + e^(-2x)) + 1 应为 - 1 / the last form ends in - 1, not + 1
  nn.Tanh: 导数范围 (0, 1) → (0, 1]，x = 0 处取到 1 / y'(0) = 1
  nn.ReLU: x = 0 处导数数学上不存在（文章：undefined），PyTorch 的 autograd 取 0
           / undefined at 0 in maths; autograd returns 0
  nn.ReLU: 输出值“均为正数” → 非负，x ≤ 0 时输出 0；导数只在 x > 0 时是 1
           / outputs are non-negative, not positive; the derivative is 1 only for x > 0"""


def relu_variants():
    """nn.LeakyReLU、nn.PReLU、nn.RReLU"""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    x = torch.linspace(-3, 3, 601)
    relu = nn.ReLU()
    leaky_relu = nn.LeakyReLU(negative_slope=0.1)  # 默认 default 0.01: too flat to see
    prelu = nn.PReLU(init=0.25)
    rrelu = nn.RReLU(lower=1 / 8, upper=1 / 3)  # the defaults
    print("--- nn.LeakyReLU(negative_slope=0.1) ---")
    print("  公式 formula:     y = x (x ≥ 0), negative_slope·x (x < 0)")
    print("  导数 derivative:  y' = 1 (x > 0), negative_slope (x < 0)")
    print("  默认 default:     negative_slope = {}".format(nn.LeakyReLU().negative_slope))
    print("  实测 autograd:    y' ∈ {}".format(derivative_values(leaky_relu, x)))
    print("--- nn.PReLU(num_parameters=1, init=0.25) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0); a 是可学习的参数 / a is learned")
    print("  导数 derivative:  ∂y/∂x = 1 (x > 0), a (x < 0); ∂y/∂a = x (x < 0), 0 (x ≥ 0)")
    print("  默认 default:     init = {}".format(nn.PReLU().weight.item()))
    print("  实测 autograd:    y' ∈ {}".format(derivative_values(prelu, x)))
    print("--- nn.RReLU(lower=1/8, upper=1/3) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0)")
    print("  导数 derivative:  y' = 1 (x > 0), a (x < 0)")
    print(
        "  train(): 每个元素、每次前向重新抽 a ~ U(lower, upper) / a fresh a per element and pass"
    )
    print("  eval():  a = (lower + upper) / 2 固定（文章没有提到）/ fixed (not in the article)")

    # RReLU: one random slope per element in training mode, a fixed one in eval mode
    rrelu.train()
    negative_x = -torch.rand(2000) * 3
    train_slopes = rrelu(negative_x) / negative_x
    rrelu.eval()
    eval_output = rrelu(negative_x)
    eval_slope = (1 / 8 + 1 / 3) / 2
    print(
        "  实测 measured, train(): {} slopes ∈ [{:.4f}, {:.4f}], {} 个不同 distinct".format(
            len(train_slopes), train_slopes.min(), train_slopes.max(), train_slopes.unique().numel()
        )
    )
    print(
        "  实测 measured, eval(): y == {:.4f}·x 对全部 {} 个元素 for all of them: {}".format(
            eval_slope, len(negative_x), torch.equal(eval_output, negative_x * eval_slope)
        )
    )

    prelu_learns()

    curves = {
        "ReLU()": relu(x),
        "LeakyReLU(negative_slope=0.1)": leaky_relu(x),
        "PReLU(init=0.25)": prelu(x).detach(),
    }
    figure = plots.relu_variants(x, curves, negative_x, train_slopes, eval_slope)
    return {"activation_relu_variants": figure}


def prelu_learns():
    """PReLU 的斜率是可学习的 / PReLU's slope is a parameter the optimizer moves."""
    import torch
    import torch.nn as nn

    print("--- PReLU 的斜率是可学习的 / PReLU learns its slope ---")
    # one SGD step towards data whose negative slope is 0.5, written out: a ← a - lr·grad is all
    # torch.optim.SGD does here, and building an optimizer first loads torch._dynamo (~1.5 s)
    prelu = nn.PReLU(init=0.25)
    x = torch.tensor([-2.0, -1.0, 1.0, 2.0])
    target = torch.where(x < 0, 0.5 * x, x)
    loss = nn.functional.mse_loss(prelu(x), target)
    loss.backward()
    slope_before = prelu.weight.item()
    with torch.no_grad():
        prelu.weight -= 0.2 * prelu.weight.grad
    print(
        "  loss = MSE(PReLU(x), 斜率 0.5 的目标 target with slope 0.5), 一步 SGD one step:"
        " a = {:.4f} → {:.4f} (grad {:.4f})".format(
            slope_before, prelu.weight.item(), prelu.weight.grad.item()
        )
    )

    # num_parameters = 通道数: one slope per channel
    prelu_per_channel = nn.PReLU(num_parameters=3, init=0.25)
    img = -torch.arange(1.0, 4.0).reshape(1, 3, 1, 1).expand(1, 3, 2, 2)  # channel c holds -(c+1)
    loss = prelu_per_channel(img).sum()
    loss.backward()
    with torch.no_grad():
        prelu_per_channel.weight -= 0.02 * prelu_per_channel.weight.grad  # one SGD step
    print(
        "  nn.PReLU(num_parameters=3), loss = 输出之和 sum of the outputs (通道 c 的 4 个像素都是"
        " -(c+1) / channel c's 4 pixels are all -(c+1)):"
    )
    print(
        "    weight.shape {}, grad = 该通道输入之和 sum of the channel's inputs {},"
        " 一步后 after one step {}: 斜率变大, loss 变小 / slopes rise, the loss falls".format(
            tuple(prelu_per_channel.weight.shape),
            prelu_per_channel.weight.grad.tolist(),
            [round(a, 4) for a in prelu_per_channel.weight.tolist()],
        )
    )
    return prelu, prelu_per_channel


# ================================= 命令行 command line ==================================

SECTIONS = [
    Section("maxpool", "最大池化：nn.MaxPool2d()", maxpool, True, ("maxpool",)),
    Section("avgpool", "nn.AvgPool2d()", avgpool, True, ("avgpool",)),
    Section("divisor-override", "加上 divisor_override=3 后 nn.AvgPool2d()", divisor_override),
    Section("maxunpool", "nn.MaxUnpool2d()", maxunpool, figures=("maxunpool",)),
    Section("linear", "线性层 nn.Linear(3, 4)", linear),
    Section(
        "activations",
        "激活函数层 Sigmoid, Tanh, ReLU, LeakyReLU, PReLU, RReLU",
        activations,
        figures=("activation_sigmoid_tanh_relu", "activation_relu_variants"),
    ),
]
MOVED = {
    "--unpool-vs-upsample": "lesson3/beyond_the_article.py",
    "--output-size": "lesson3/beyond_the_article.py",
    "--invariance": "lesson3/article_claims.py",
}


def main(argv=None):
    return run_sections(argv, __doc__.splitlines()[0], SECTIONS, moved=MOVED)


if __name__ == "__main__":
    sys.exit(run_cli(main))
