"""池化层参数的论断，逐条实测 / The article's claims about the pooling layers' parameters, measured.

nn.MaxPool2d's, nn.AvgPool2d's and nn.MaxUnpool2d's parameters, as the article describes them;
the claims of the article's 池化层 introduction are in claims_pooling.py.

For each claim: the article's sentence as written, a small seeded experiment on the CPU, its
numbers, and a verdict: 成立 holds / 有条件成立 holds only if … / 不成立 does not hold.

    python lesson3/claims_pooling_parameters.py --list
    python lesson3/claims_pooling_parameters.py --stride --unpool-padding

No flag runs every claim. The article's own code is in nn_layers_others.py.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, lab/ beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lab.verdicts import DOES_NOT_HOLD, HOLDS, HOLDS_IF, claim, verdict

# ============================= 池化层的参数 pooling parameters =============================

PARAMETERS = "nn.MaxPool2d() 的参数"


def every_model(module):
    """{name: model} for every model torchvision lists in ``module`` (torchvision.models: the
    classifiers; .segmentation), built on the meta device: no memory, no weights, no download."""
    import warnings

    import torch
    from torchvision import models
    from torchvision.models import regnet

    # RegNet computes its widths with tensors and reads them back (.tolist()), which the meta
    # device cannot: that one step runs on the CPU
    widths = regnet.BlockParams.from_init_params.__func__

    def widths_on_the_cpu(cls, *args, **kwargs):
        with torch.device("cpu"):
            return widths(cls, *args, **kwargs)

    # and the weights' random init, which on the meta device still runs each init function's
    # reference code (5 of the 8 s building took): a census of layers needs no weights
    inits = {
        name: f
        for name, f in vars(torch.nn.init).items()
        if name.endswith("_") and not name.startswith("__") and callable(f)
    }

    built = {}
    regnet.BlockParams.from_init_params = classmethod(widths_on_the_cpu)
    vars(torch.nn.init).update({name: lambda tensor, *args, **kwargs: tensor for name in inits})
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GoogLeNet's and Inception's notes on their init
            for name in models.list_models(module=module):
                built[name] = models.get_model(name, weights=None, **no_backbone_weights(module))
    finally:
        regnet.BlockParams.from_init_params = classmethod(widths)
        vars(torch.nn.init).update(inits)
    return built


def no_backbone_weights(module):
    from torchvision.models import segmentation

    return {"weights_backbone": None} if module is segmentation else {}


def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def pixels_read_by(pool, size):
    """Which input pixels the centre output of ``pool`` reads: put a single 1 at each position
    in turn (one image each) and see where the centre output becomes 1."""
    import torch

    one_hot = torch.eye(size * size).reshape(size * size, 1, size, size)
    out = pool(one_hot)
    return (out[:, 0, out.shape[-2] // 2, out.shape[-1] // 2] == 1).reshape(size, size)


USUALLY = (
    0.5  # "通常 usually": the share of layers (or models) a practice needs to be the usual one
)
RARELY = 0.1  # under this share it is not "usual" anywhere: a practice of a few exceptions


def usually_verdict(share):
    """The verdict on "X is usual" from the share of layers or models that do X."""
    if share >= USUALLY:
        return HOLDS
    return HOLDS_IF if share >= RARELY else DOES_NOT_HOLD


def stride_equals_kernel():
    """参数：stride “通常与 kernel_size 一致”"""
    import torch.nn as nn
    from torchvision import models

    claim(PARAMETERS, "stride：步长，通常与 kernel_size 一致")
    print(
        f"默认 default: nn.MaxPool2d(3).stride = {nn.MaxPool2d(3).stride}, "
        f"nn.AvgPool2d(3).stride = {nn.AvgPool2d(3).stride} (stride=None → kernel_size)"
    )
    classifiers = every_model(models)
    modules = [  # (kernel, stride) of every MaxPool2d and AvgPool2d module
        (pair(m.kernel_size)[0], pair(m.stride)[0])
        for model in classifiers.values()
        for m in model.modules()
        if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d))
    ]
    pooling = {name: model for name, model in classifiers.items() if has_pooling(model)}
    # a forward pass of the other models pools nothing (a test runs every one): skipped here,
    # 10 of the 15 s the census would take
    calls = [call for name, model in pooling.items() for call in pooling_calls(name, model)]
    print(
        f"  torchvision.models.list_models()：{len(classifiers)} 个分类模型，{len(pooling)} 个有"
        f"最大或平均池化 / {len(classifiers)} classification models, {len(pooling)} with max or "
        "average pooling (adaptive pooling has no stride to choose)"
    )
    for chinese, english, layers in (
        ("按模块", "modules", modules),
        ("按前向调用", "calls", calls),
    ):
        same = sum(kernel == stride for kernel, stride in layers)
        overlapping = sum((kernel, stride) == (3, 2) for kernel, stride in layers)
        print(
            f"  {chinese}：{len(layers)} 个池化，stride = kernel 的 {same} 个"
            f"（{same / len(layers):.0%}），3×3 步长 2 的 {overlapping} 个 / {english}: "
            f"{len(layers)} poolings, {same} with stride = kernel ({same / len(layers):.0%}), "
            f"{overlapping} overlapping 3×3/2"
        )
    same = sum(kernel == stride for kernel, stride in calls)
    overlapping = sum((kernel, stride) == (3, 2) for kernel, stride in calls)
    share = same / len(calls)
    verdict(
        usually_verdict(share),
        f"默认值是 stride = kernel_size；torchvision 的 {len(classifiers)} 个分类模型一次前向传播"
        f"做的 {len(calls)} 次最大/平均池化（含 F.avg_pool2d 这类函数调用）中 {same} 次如此"
        f"（{share:.0%}，按模块数是 {modules_share(modules):.0%}），{overlapping} 次是 3×3、步长 2 "
        f"的重叠池化。“通常”的门槛是 {USUALLY:.0%}，不到 {RARELY:.0%} 算不成立。",
        f"the default is stride = kernel_size, and {same} of the {len(calls)} max and average "
        f"poolings a forward pass of torchvision's {len(classifiers)} classification models "
        f"applies use it ({share:.0%}; {modules_share(modules):.0%} of the modules, function "
        f"calls such as F.avg_pool2d not counted); {overlapping} are overlapping 3×3 windows "
        f'with stride 2. "Usually" needs {USUALLY:.0%}; under {RARELY:.0%} it does not hold.',
    )


def has_pooling(model):
    import torch.nn as nn

    return any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in model.modules())


def modules_share(layers):
    return sum(kernel == stride for kernel, stride in layers) / len(layers)


POOLING_FUNCTIONS = ("max_pool2d", "_max_pool2d", "max_pool2d_with_indices", "avg_pool2d")


def pooling_calls(name, model):
    """[(kernel, stride)] of every max and average pooling one forward pass of ``model`` (on
    the meta device) applies, whether a module or a function call (Inception v3 calls
    F.avg_pool2d in its blocks)."""
    import torch
    from torch.overrides import TorchFunctionMode

    calls = []

    class CountPooling(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if getattr(func, "__name__", "") in POOLING_FUNCTIONS:
                given = {**dict(zip(("input", "kernel_size", "stride"), args)), **kwargs}
                kernel = pair(given["kernel_size"])[0]
                calls.append((kernel, pair(given.get("stride") or kernel)[0]))
            return func(*args, **kwargs)

    side = 299 if name.startswith("inception") else 224  # Inception v3 needs 299×299
    with torch.no_grad(), CountPooling():
        model.eval()(torch.empty(1, 3, side, side, device="meta"))
    return calls


def padding_keeps_size():
    """参数：padding “保持输入和输出的图像尺寸不变”"""
    import torch
    import torch.nn as nn

    claim(PARAMETERS, "padding：… 一般把 padding 设置合适的值后，保持输入和输出的图像尺寸不变。")
    x = torch.zeros(1, 1, 512, 512)
    kept = {}
    for kernel, stride, padding, dilation in [
        (3, 1, 1, 1),
        (5, 1, 2, 1),
        (2, 1, 1, 1),
        (2, 2, 1, 1),
        (3, 2, 1, 1),
        (2, 1, 1, 2),  # an even kernel, dilated: it spans 3 pixels
    ]:
        out = nn.MaxPool2d(kernel, stride, padding, dilation)(x).shape[-1]
        span = dilation * (kernel - 1) + 1  # the pixels a window spans
        kept[kernel, stride, dilation] = (out == 512, span)
        print(
            f"  MaxPool2d({kernel}, stride={stride}, padding={padding}, dilation={dilation}): "
            f"窗口跨 spans {span}, 512 → {out}"
        )
    print("  (512 + 2p - span) / 1 + 1 = 512 要求 p = (span - 1) / 2：窗口跨奇数个像素才行")
    print("  / it needs p = (span - 1) / 2: a window spanning an odd number of pixels")
    verdict(
        padding_verdict(kept),
        "只有 stride=1、窗口跨奇数个像素（dilation·(kernel - 1) + 1 为奇数，dilation=1 时即 kernel "
        "为奇数）、padding = dilation·(kernel - 1) / 2 时尺寸才不变。",
        "only with stride 1, a window spanning an odd number of pixels (dilation·(kernel - 1) + 1; "
        "with dilation 1, an odd kernel) and padding = dilation·(kernel - 1) / 2.",
    )


def padding_verdict(kept):
    """ "A suitable padding keeps the size", from {(kernel, stride, dilation): (kept, span)}:
    成立 when some padding keeps it for every setting, 有条件成立 when exactly the settings with
    stride 1 and an odd span keep it, 不成立 when none does."""
    if all(keeps for keeps, _ in kept.values()):
        return HOLDS
    rule = all(
        keeps == (stride == 1 and span % 2 == 1) for (_, stride, _), (keeps, span) in kept.items()
    )
    return HOLDS_IF if rule and any(keeps for keeps, _ in kept.values()) else DOES_NOT_HOLD


def dilation():
    """参数：dilation “提升感受野”“常用于图像分割任务中”"""
    import torch.nn as nn
    from torchvision.models import segmentation

    claim(PARAMETERS, "dilation：池化间隔大小，默认为1。常用于图像分割任务中，主要是为了提升感受野")
    spans = {}
    for rate in (1, 2, 3):
        mask = pixels_read_by(nn.MaxPool2d(3, stride=1, dilation=rate), size=15)
        rows, cols = mask.nonzero().unbind(1)
        spans[rate] = int(rows.max() - rows.min() + 1)
        span = f"{spans[rate]}×{int(cols.max() - cols.min() + 1)}"
        print(
            f"  MaxPool2d(3, stride=1, dilation={rate})：窗口取 {int(mask.sum())} 个像素，覆盖 "
            f"{span} / samples {int(mask.sum())} pixels spanning {span}"
        )
    spreads = spans[3] > spans[2] > spans[1]  # the same 9 samples, a wider window
    dilated = {}  # model: (dilated convolutions, dilated pooling layers)
    for name, model in every_model(segmentation).items():
        layers = list(model.modules())
        convs = sum(isinstance(m, nn.Conv2d) and max(pair(m.dilation)) > 1 for m in layers)
        pools = sum(isinstance(m, nn.MaxPool2d) and max(pair(m.dilation)) > 1 for m in layers)
        dilated[name] = (convs, pools)
        print(
            f"  torchvision {name}: 空洞卷积 {convs} 个，空洞池化 {pools} 个 / dilated "
            f"convolutions {convs}, dilated pooling layers {pools}"
        )
    with_dilated_pooling = sum(pools > 0 for _, pools in dilated.values())
    decision = dilation_verdict(spreads, with_dilated_pooling / len(dilated))
    verdict(
        decision,
        "dilation 确实用同样 9 个像素覆盖更大的范围（提升感受野）；但 torchvision 的 "
        f"{len(dilated)} 个分割模型里有空洞池化层的是 {with_dilated_pooling} 个：分割网络用的是"
        "空洞卷积，按原话（池化的 dilation 常用于分割）不成立。",
        "dilation does spread the same 9 samples over a wider window (a larger receptive field); "
        f"but {with_dilated_pooling} of torchvision's {len(dilated)} segmentation models have a "
        "dilated pooling layer: segmentation networks dilate their convolutions, so as written "
        "(pooling's dilation, common in segmentation) it does not hold.",
    )


def dilation_verdict(spreads, share_of_segmentation_models):
    """ "Dilation enlarges the receptive field and is common in segmentation": 成立 when it does
    and at least USUALLY of the segmentation models dilate a pooling layer, 有条件成立 when some
    do (RARELY), 不成立 when (almost) none do or it does not enlarge the window."""
    return usually_verdict(share_of_segmentation_models) if spreads else DOES_NOT_HOLD


def average_divisor():
    """参数：count_include_pad，divisor_override “分母默认是像素值的个数”"""
    import torch
    import torch.nn as nn

    claim(
        "nn.AvgPool2d() 的参数",
        "count_include_pad：在计算平均值时，是否把填充值考虑在内计算 … 分母默认是像素值的个数",
    )
    ones = torch.ones(1, 1, 4, 4)
    for name, layer in [
        ("AvgPool2d(3, stride=1, padding=1)", nn.AvgPool2d(3, 1, 1)),
        (
            "AvgPool2d(3, stride=1, padding=1, count_include_pad=False)",
            nn.AvgPool2d(3, 1, 1, count_include_pad=False),
        ),
    ]:
        print(f"  全 1 的 4×4 输入 / all-ones 4×4 input, {name}:\n{layer(ones)[0, 0]}")
    corner = nn.AvgPool2d(3, 1, 1)(ones)[0, 0, 0, 0].item()
    print(
        f"  角上的窗口有 4 个像素、5 个填充，默认除以 9：{corner:.4f} = 4 / 9 / the corner window "
        "holds 4 pixels and 5 padding cells, and divides by 9"
    )
    verdict(
        divisor_verdict(corner, pixels=4, area=9),
        "count_include_pad 的说明成立；但“分母默认是像素值的个数”只在没有 padding 时成立："
        "有 padding 时默认分母是 kernel 面积（填充也算）。",
        "count_include_pad is described right; the default divisor is the number of pixels only "
        "without padding: with padding it is the kernel area, padding included.",
    )


def divisor_verdict(corner, pixels, area):
    """ "The divisor is the number of pixels by default", from the corner output of an all-ones
    input with padding (``pixels`` real pixels in a window of ``area``): 成立 when it divides by
    the pixels, 有条件成立 when by the window's area (the pixels only without padding),
    不成立 when by neither."""
    if abs(corner - pixels / pixels) < 1e-6:
        return HOLDS
    return HOLDS_IF if abs(corner - pixels / area) < 1e-6 else DOES_NOT_HOLD


def unpool_padding():
    """nn.MaxUnpool2d 的 padding “填充宽度”"""
    import torch
    import torch.nn as nn

    claim("nn.MaxUnpool2d()", "padding：填充宽度")
    pooled = torch.ones(1, 1, 3, 3)
    indices = torch.zeros(1, 1, 3, 3, dtype=torch.long)
    sizes = {}
    for padding in (0, 1):
        out = nn.MaxUnpool2d(3, stride=2, padding=padding)(pooled, indices)
        sizes[padding] = out.shape[-1]
        print(
            f"  MaxUnpool2d(3, stride=2, padding={padding}): 3×3 → "
            f"{sizes[padding]}×{sizes[padding]}"
        )
    print(
        "  out = (in - 1)·stride - 2·padding + kernel_size: padding 让输出变小，\n"
        "  它是池化时的 padding，反池化把它去掉\n"
        "  / padding shrinks the output: it is the pooling's padding, taken off again"
    )
    # PyTorch's docstring: "padding: Padding that was added to the input". The article's
    # "填充宽度" names it without saying that unpooling takes it off again: incomplete, not false
    verdict(
        unpool_padding_verdict(sizes[0], sizes[1]),
        "它确实是填充宽度，但是池化时加在输入上的那圈（PyTorch 文档：“Padding that was added to"
        f" the input”），反池化时把它减掉：padding=1 让输出从 {sizes[0]}×{sizes[0]} 变成 "
        f"{sizes[1]}×{sizes[1]}，不是往输出上加填充。",
        "it is a padding width, but the one pooling added to its input (PyTorch's docs: "
        '"Padding that was added to the input"), which unpooling takes off again: padding=1 '
        f"shrinks the output from {sizes[0]}×{sizes[0]} to {sizes[1]}×{sizes[1]}; it adds no "
        "padding to the output.",
    )


def unpool_padding_verdict(size_without, size_with):
    """ "padding：填充宽度" for MaxUnpool2d, from its output size without and with padding=1:
    成立 if padding pads the output (it grows), 有条件成立 if it is the pooling's padding taken
    off again (it shrinks: a padding width, but not one added here), 不成立 if it changes
    nothing."""
    if size_with > size_without:
        return HOLDS
    return HOLDS_IF if size_with < size_without else DOES_NOT_HOLD


# ================================= 命令行 command line ==================================

from lesson_cli.console import run_command
from lesson_cli.sections import Section, run_sections

SECTIONS = [
    Section("stride", "参数：stride “通常与 kernel_size 一致”", stride_equals_kernel),
    Section("padding", "参数：padding “保持输入和输出的图像尺寸不变”", padding_keeps_size),
    Section("dilation", "参数：dilation “提升感受野”“常用于图像分割任务中”", dilation),
    Section("avg-divisor", "参数：count_include_pad、“分母默认是像素值的个数”", average_divisor),
    Section("unpool-padding", "nn.MaxUnpool2d：padding “填充宽度”", unpool_padding),
]


def main(argv=None):
    return run_sections(argv, __doc__, SECTIONS)


if __name__ == "__main__":
    sys.exit(run_command(main))
