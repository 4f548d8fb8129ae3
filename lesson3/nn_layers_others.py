"""3.3 池化层、线性层和激活函数层 / Pooling, linear and activation layers: the article's code.

Each section of the article stands below under the article's heading, and runs alone from the
command line as a flag (no flag: all of them, in article order): ``--list`` lists them.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, lab/ beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from common_tools import transform_invert, set_seed

from lab import activation_notes as notes
from lab import plots

# Each section imports torch, torchvision and matplotlib itself: --help and --list answer at
# once, and --linear never waits for torchvision or matplotlib to load.

# ================================= 池化层 pooling ==================================


def maxpool(img):
    """最大池化：nn.MaxPool2d()

    2×2 最大池化把 512×512 的图片变成 256×256：打印前后尺寸，画出池化前后的图片。
    2×2 max pooling, stride 2: 512×512 becomes 256×256. Both shapes, both pictures.
    """
    import torch.nn as nn
    from matplotlib import pyplot as plt
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
    plt.subplot(122).imshow(img_pool)
    plt.subplot(121).imshow(img_raw)
    # plt.show(): the command line saves the figure to --out, then shows it where it can


def avgpool(img):
    """nn.AvgPool2d()

    2×2 平均池化：同样的尺寸变化，图片更平滑；再看 4×4 全 1 张量的每个窗口。
    2×2 average pooling: the same shapes, a smoother picture, then a 4×4 tensor of ones.
    """
    import torch
    import torch.nn as nn
    from matplotlib import pyplot as plt
    from torchvision import transforms

    set_seed(1)  # 设置随机种子

    img_transform = transforms.Compose([transforms.ToTensor()])
    img_tensor = img_transform(img)
    img_tensor.unsqueeze_(dim=0)  # C*H*W to B*C*H*W

    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)

    print("池化前尺寸:{}\n池化后尺寸:{}".format(img_tensor.shape, img_pool.shape))
    img_pool = transform_invert(img_pool[0, 0:3, ...], img_transform)
    img_raw = transform_invert(img_tensor.squeeze(), img_transform)
    plt.subplot(122).imshow(img_pool)
    plt.subplot(121).imshow(img_raw)
    # plt.show(): the command line saves the figure to --out, then shows it where it can

    # 文章中的 4×4 全 1 例子 / the article's 4×4 example
    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2))
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))


def divisor_override():
    """加上 divisor_override=3 后 / nn.AvgPool2d(divisor_override=3)

    窗口之和除以 3 而不是 4：全 1 输入得到 1.3333。
    Each window's sum is divided by 3 instead of 4: a tensor of ones pools to 1.3333.
    """
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子

    img_tensor = torch.ones((1, 1, 4, 4))
    avgpool_layer = nn.AvgPool2d((2, 2), stride=(2, 2), divisor_override=3)
    img_pool = avgpool_layer(img_tensor)
    print("raw_img:\n{}\npooling_img:\n{}".format(img_tensor, img_pool))


def maxunpool():
    """nn.MaxUnpool2d()

    最大池化记下每个最大值的位置（indices），反池化把值放回这些位置，其余填 0。
    Max pooling records where each maximum was; unpooling puts values back there.
    """
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
    plots.unpool(img_tensor, img_reconstruct, img_unpool, indices)  # 每个值去了哪里 where each went


# ================================= 线性层 linear ==================================


def linear():
    """线性层

    nn.Linear(3, 4)，权重手工设为 1、2、3、4 行，偏置 0.5：y = x·Wᵀ + b。
    nn.Linear(3, 4) with hand-set weights (rows of 1, 2, 3, 4) and bias 0.5: y = x·Wᵀ + b.
    """
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


# ================================= 激活函数层 activations ==================================


def activations():
    """激活函数层

    Sigmoid、Tanh、ReLU 及其变体：公式、autograd 算出的导数、实测值域、float32 饱和点、
    文章的勘误；画出曲线和导数。
    Sigmoid, Tanh, ReLU and its variants: formulas, derivatives from autograd, measured
    ranges, float32 saturation, the article's errata, and their curves.
    """
    sigmoid_tanh_relu()
    relu_variants()


def sigmoid_tanh_relu():
    """nn.Sigmoid、nn.Tanh、nn.ReLU(修正线性单元)"""
    import torch
    import torch.nn as nn

    x = torch.arange(-1000, 1001) / 100  # x ∈ [-10, 10], step 0.01; x = 0 exactly, at index 1000
    curves = {}
    for layer in (nn.Sigmoid(), nn.Tanh(), nn.ReLU()):
        y, dy = notes.output_and_gradient(layer, x)  # dy: what autograd computes, not a formula
        name = "nn." + type(layer).__name__
        notes.describe(name, x, y, dy)
        curves[name] = (y, dy)
    print(notes.float32_saturation())
    print(notes.ACTIVATION_ERRATA)
    plots.activation_curves(x, curves)


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
    print("  实测 autograd:    y' ∈ {}".format(notes.derivative_values(leaky_relu, x)))
    print("--- nn.PReLU(num_parameters=1, init=0.25) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0); a 是可学习的参数 / a is learned")
    print("  导数 derivative:  ∂y/∂x = 1 (x > 0), a (x < 0); ∂y/∂a = x (x < 0), 0 (x ≥ 0)")
    print("  默认 default:     init = {}".format(nn.PReLU().weight.item()))
    print("  实测 autograd:    y' ∈ {}".format(notes.derivative_values(prelu, x)))
    print("--- nn.RReLU(lower=1/8, upper=1/3) ---")
    print("  公式 formula:     y = x (x ≥ 0), a·x (x < 0)")
    print("  导数 derivative:  y' = 1 (x > 0), a (x < 0)")
    negative_x, train_slopes, eval_slope = rrelu_train_and_eval(rrelu)

    prelu_learns()

    curves = {
        "ReLU()": relu(x),
        "LeakyReLU(negative_slope=0.1)": leaky_relu(x),
        "PReLU(init=0.25)": prelu(x).detach(),
    }
    plots.relu_variants(x, curves, negative_x, train_slopes, eval_slope)


def rrelu_train_and_eval(rrelu):
    """RReLU: one random slope per element in training mode, a fixed one in eval mode."""
    import torch

    print(
        "  train(): 每个元素、每次前向重新抽 a ~ U(lower, upper) / a fresh a per element and pass"
    )
    print("  eval():  a = (lower + upper) / 2 固定（文章没有提到）/ fixed (not in the article)")
    rrelu.train()
    negative_x = -torch.rand(2000) * 3
    train_slopes = rrelu(negative_x) / negative_x
    rrelu.eval()
    eval_output = rrelu(negative_x)
    eval_slope = (rrelu.lower + rrelu.upper) / 2
    print(
        "  实测 train()：{0} 个斜率 ∈ [{1:.4f}, {2:.4f}]，{3} 个互不相同"
        " / measured, train(): {0} slopes ∈ [{1:.4f}, {2:.4f}], {3} distinct".format(
            len(train_slopes), train_slopes.min(), train_slopes.max(), train_slopes.unique().numel()
        )
    )
    print(
        "  实测 eval()：y == {0:.4f}·x 对全部 {1} 个元素成立：{2}"
        " / measured, eval(): y == {0:.4f}·x for all {1} elements: {2}".format(
            eval_slope, len(negative_x), torch.equal(eval_output, negative_x * eval_slope)
        )
    )
    return negative_x, train_slopes, eval_slope


def prelu_learns():
    """PReLU 的斜率是可学习的 / PReLU's slope is a parameter the optimizer moves."""
    import torch
    import torch.nn as nn

    print("--- PReLU 的斜率是可学习的 / PReLU learns its slope ---")
    # one SGD step towards data whose negative slope is 0.5: a ← a - lr·grad
    prelu = nn.PReLU(init=0.25)
    x = torch.tensor([-2.0, -1.0, 1.0, 2.0])
    target = torch.where(x < 0, 0.5 * x, x)
    loss = nn.functional.mse_loss(prelu(x), target)
    loss.backward()
    slope_before = prelu.weight.item()
    with torch.no_grad():
        prelu.weight -= 0.2 * prelu.weight.grad
    print(
        "  loss = MSE(PReLU(x), 斜率 0.5 的目标)，一步 SGD：a = {0:.4f} → {1:.4f}（grad {2:.4f}）"
        " / loss = MSE(PReLU(x), a target with slope 0.5), one SGD step: a = {0:.4f} → {1:.4f}"
        " (grad {2:.4f})".format(slope_before, prelu.weight.item(), prelu.weight.grad.item())
    )

    # num_parameters = 通道数: one slope per channel
    prelu_per_channel = nn.PReLU(num_parameters=3, init=0.25)
    img = -torch.arange(1.0, 4.0).reshape(1, 3, 1, 1).expand(1, 3, 2, 2)  # channel c holds -(c+1)
    loss = prelu_per_channel(img).sum()
    loss.backward()
    with torch.no_grad():
        prelu_per_channel.weight -= 0.02 * prelu_per_channel.weight.grad  # one SGD step
    print(
        "  nn.PReLU(num_parameters=3)，loss = 输出之和（通道 c 的 4 个像素都是 -(c+1)）"
        " / loss = the sum of the outputs (channel c's 4 pixels are all -(c+1)):"
    )
    print(
        "    weight.shape {0}，grad = 该通道输入之和 {1}，一步后 {2}：斜率变大，loss 变小"
        " / weight.shape {0}, grad = the sum of the channel's inputs {1}, after one step {2}:"
        " slopes rise, the loss falls".format(
            tuple(prelu_per_channel.weight.shape),
            prelu_per_channel.weight.grad.tolist(),
            [round(a, 4) for a in prelu_per_channel.weight.tolist()],
        )
    )
    return prelu, prelu_per_channel


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section(
        "maxpool",
        "最大池化：nn.MaxPool2d()",
        maxpool,
        uses_image=True,
        figures=("maxpool",),
        caption=plots.before_and_after("最大池化 nn.MaxPool2d(2, 2)", "nn.MaxPool2d(2, 2)"),
    ),
    Section(
        "avgpool",
        "nn.AvgPool2d()",
        avgpool,
        uses_image=True,
        figures=("avgpool",),
        caption=plots.before_and_after("平均池化 nn.AvgPool2d(2, 2)", "nn.AvgPool2d(2, 2)"),
    ),
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
    "--invariance": "lesson3/claims_pooling.py",
}


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS, moved=MOVED)


if __name__ == "__main__":
    sys.exit(run_command(main))
