"""用于 used by beyond_the_article.py --animate.

池化动画 / The four animations of beyond_the_article.py --animate, made with matplotlib's
animation module; every number in every frame comes from a PyTorch layer.

- maxpool_unpool: the article's 4×4 raw_img (set_seed(1), as nn_layers_others.py --maxunpool):
  the 2×2 window slides, each maximum and its flat index is recorded; then MaxUnpool2d puts
  img_reconstruct's values back at those indices.
- ceil_mode: 5×5, kernel 2, stride 2, padding 1: the formula with ceil says 4 windows a side,
  but the fourth would start in the right-hand padding and is dropped: PyTorch gives 3.
- avgpool_divisor: a 4×4 of ones, kernel 3, stride 1, padding 1: each window's sum and divisor
  with count_include_pad=True, False and divisor_override=3.
- pool_backward: 5×5, 3×3 windows of stride 2 that overlap: each output's gradient goes to its
  window's maximum, a maximum three windows share receives 3, and a tie goes to the first.

Each function returns its frames (what each shows) and the figure's animation: tests compare
the last frame with the layer's output.
"""

from common_tools import set_seed
from lab import plots
from lab.pool_windows import dropped_window_start, window_starts

FRAME_MS = 900  # how long each frame stays


def maxpool_unpool_frames():
    """The frames of maxpool_unpool.gif, with the article's numbers."""
    import torch
    import torch.nn as nn

    set_seed(1)  # 设置随机种子, as nn_layers_others.py --maxunpool
    img_tensor = torch.randint(high=5, size=(1, 1, 4, 4), dtype=torch.float)
    img_pool, indices = nn.MaxPool2d((2, 2), stride=(2, 2), return_indices=True)(img_tensor)
    img_reconstruct = torch.randn_like(img_pool, dtype=torch.float)
    img_unpool = nn.MaxUnpool2d((2, 2), stride=(2, 2))(img_reconstruct, indices)

    flat = indices[0, 0].tolist()
    frames = pooling_frames(img_tensor[0, 0].tolist(), img_pool[0, 0].tolist(), flat)
    frames += unpooling_frames(img_reconstruct[0, 0].tolist(), flat)
    assert frames[-1]["grid"] == img_unpool[0, 0].tolist()  # the drawing is the layer's output
    return frames, img_unpool[0, 0]


def pooling_frames(raw, pooled, flat):
    """The 2×2 window slides over the 4×4 ``raw``; each maximum is recorded with its index."""
    frames, recorded = [], [[None, None], [None, None]]
    for i in range(2):
        for j in range(2):
            recorded[i][j] = (pooled[i][j], flat[i][j])
            frames.append(
                {
                    "title": f"MaxPool2d: window ({i}, {j}) → max {pooled[i][j]:g} at index "
                    f"{flat[i][j]}",
                    "left": raw,
                    "window": (2 * i, 2 * j),
                    "mark": divmod(flat[i][j], 4),
                    "right": [
                        [
                            f"{v:g}\n@{k}" if v is not None else ""
                            for v, k in (cell or (None, None) for cell in row)
                        ]
                        for row in recorded
                    ],
                    "right_title": "img_pool @ indices",
                    "right_mark": (i, j),  # the output cell this window fills
                }
            )
    return frames


def unpooling_frames(reconstruct, flat):
    """MaxUnpool2d puts each of ``reconstruct``'s values at its index of the 4×4 output."""
    frames, unpooled = [], [[0.0] * 4 for _ in range(4)]
    for i in range(2):
        for j in range(2):
            r, c = divmod(flat[i][j], 4)
            unpooled[r][c] = reconstruct[i][j]
            frames.append(
                {
                    "title": f"MaxUnpool2d: img_reconstruct[{i}, {j}] = {reconstruct[i][j]:.4f}"
                    f" → index {flat[i][j]}",
                    "left": [[f"{v:.4f}" for v in row] for row in reconstruct],
                    "left_title": "img_reconstruct",
                    "mark_left": (i, j),
                    "right": [[f"{v:.4f}" if v else "0" for v in row] for row in unpooled],
                    "right_title": "img_unpool",
                    "right_mark": (r, c),
                    "grid": [row[:] for row in unpooled],
                }
            )
    return frames


def ceil_mode_frames():
    """The frames of ceil_mode.gif: 5×5, kernel 2, stride 2, padding 1."""
    import torch
    import torch.nn as nn

    size, kernel, stride, padding = 5, 2, 2, 1
    x = torch.arange(25, dtype=torch.float).reshape(1, 1, 5, 5)
    floor_out = nn.MaxPool2d(kernel, stride, padding)(x)[0, 0]
    ceil_out = nn.MaxPool2d(kernel, stride, padding, ceil_mode=True)(x)[0, 0]
    starts = window_starts(size, kernel, stride, padding, 1, ceil_mode=False)
    numerator = size + 2 * padding - (kernel - 1) - 1
    frames = []
    for j, left in enumerate(starts):
        frames.append(
            {
                "title": f"floor: window {j + 1} starts at {left}, max {floor_out[0, j]:g}",
                "padded": (size, padding),
                "window": (starts[0], left),
                "right": [[f"{v:g}" for v in row[: j + 1]] for row in floor_out.tolist()[:1]],
                "right_title": "first output row",
                "right_mark": (0, j),
            }
        )
    dropped = dropped_window_start(size, kernel, stride, padding, 1, ceil_mode=True)
    wanted = (dropped + padding) // stride + 1  # the window ceil's rounding asks for
    frames.append(
        {
            "title": f"ceil: ⌈{numerator}/{stride}⌉ + 1 = {wanted}, but window {wanted} would "
            f"start at {dropped}, in the right padding: dropped",
            "padded": (size, padding),
            "window": (starts[0], dropped),
            "dropped": True,
            "right": [[f"{v:g}" for v in row] for row in floor_out.tolist()[:1]],
            "right_title": "first output row (no 4th cell)",
        }
    )
    frames.append(
        {
            "title": f"nn.MaxPool2d(2, 2, padding=1, ceil_mode=True): {ceil_out.shape[0]}×"
            f"{ceil_out.shape[1]}, as floor",
            "padded": (size, padding),
            "right": [[f"{v:g}" for v in row] for row in ceil_out.tolist()],
            "right_title": "output (ceil_mode=True)",
            "grid": ceil_out.tolist(),
        }
    )
    return frames, ceil_out


def avgpool_divisor_frames():
    """The frames of avgpool_divisor.gif: a 4×4 of ones, kernel 3, stride 1, padding 1."""
    import torch
    import torch.nn as nn

    ones = torch.ones(1, 1, 4, 4)
    sums = nn.AvgPool2d(3, 1, 1, divisor_override=1)(ones)[0, 0]  # each window's sum, by PyTorch
    frames = []
    cases = [
        ("count_include_pad=True", nn.AvgPool2d(3, 1, 1)),
        ("count_include_pad=False", nn.AvgPool2d(3, 1, 1, count_include_pad=False)),
        ("divisor_override=3", nn.AvgPool2d(3, 1, 1, divisor_override=3)),
    ]
    for name, layer in cases:
        out = layer(ones)[0, 0]
        divisors = (sums / out).round()
        for window in ((0, 0), (0, 1), (1, 1)):
            frames.append(
                {
                    "title": f"AvgPool2d(3, 1, padding=1, {name}): window {window}: "
                    f"{sums[window]:g} / {divisors[window]:g} = {out[window]:.4g}",
                    "padded": (4, 1),
                    "window": (window[0] - 1, window[1] - 1),
                    "ones": True,
                    "right": [
                        [f"{s:g}/{d:g}" for s, d in zip(srow, drow)]
                        for srow, drow in zip(sums.tolist(), divisors.tolist())
                    ],
                    "right_title": f"sum / divisor ({name})",
                    "right_mark": window,  # the output cell this window fills
                    "grid": out.tolist(),
                }
            )
    return frames, out


# 5×5, 3×3 windows of stride 2: the windows overlap on row 2 and column 2. The 7 in the middle
# is the maximum of three windows; the fourth holds two 8s, a tie
BACKWARD_INPUT = [
    [1, 2, 0, 1, 3],
    [0, 4, 1, 2, 1],
    [2, 1, 7, 0, 2],
    [1, 3, 0, 5, 8],
    [0, 2, 1, 8, 1],
]


def pool_backward_frames():
    """The frames of pool_backward.gif: nn.MaxPool2d(3, stride=2) on BACKWARD_INPUT, each
    output's gradient of 1 arriving at its window's maximum (PyTorch's index), adding where
    windows share one; the last frame is autograd's x.grad."""
    import torch
    import torch.nn as nn

    x = torch.tensor(BACKWARD_INPUT, dtype=torch.float).reshape(1, 1, 5, 5).requires_grad_(True)
    pooled, indices = nn.MaxPool2d(3, stride=2, return_indices=True)(x)
    pooled.backward(torch.ones_like(pooled))  # an upstream gradient of ones
    received = [[0] * 5 for _ in range(5)]
    frames = []
    for i in range(2):
        for j in range(2):
            r, c = divmod(indices[0, 0, i, j].item(), 5)
            received[r][c] += 1
            value = pooled[0, 0, i, j].item()
            ties = [(a, b) for a in range(2 * i, 2 * i + 3) for b in range(2 * j, 2 * j + 3)
                    if BACKWARD_INPUT[a][b] == value]  # fmt: skip
            tie = f" (a tie with {ties[1:]}: the CPU kernel keeps the first in row order)"
            tie = tie if len(ties) > 1 else ""
            frames.append(
                {
                    "title": f"backward of MaxPool2d(3, stride=2): window ({i}, {j}) sends its "
                    f"gradient 1 to its max {value:g} at {(r, c)}{tie}",
                    "left": BACKWARD_INPUT,
                    "left_title": "input x",
                    "window": (2 * i, 2 * j),
                    "span": 3,
                    "mark": (r, c),
                    "right": [[f"{v:g}" for v in row] for row in received],
                    "right_title": "gradient received so far",
                    "right_mark": (r, c),
                }
            )
    shared = max((v, (r, c)) for r, row in enumerate(received) for c, v in enumerate(row))
    frames.append(
        {
            "title": f"autograd's x.grad: {shared[1]} is the max of {shared[0]} windows, so "
            f"it receives {' + '.join(['1'] * shared[0])} = {shared[0]}",
            "left": BACKWARD_INPUT,
            "left_title": "input x",
            "right": [[f"{v:g}" for v in row] for row in x.grad[0, 0].tolist()],
            "right_title": "x.grad (autograd)",
            "right_mark": shared[1],
            "grid": x.grad[0, 0].tolist(),
        }
    )
    assert frames[-1]["grid"] == received  # the drawing is autograd's gradient
    return frames, x.grad[0, 0]


ANIMATIONS = {
    "maxpool_unpool.gif": maxpool_unpool_frames,
    "ceil_mode.gif": ceil_mode_frames,
    "avgpool_divisor.gif": avgpool_divisor_frames,
    "pool_backward.gif": pool_backward_frames,
}


def frames_as_drawn():
    """{file name: its frames}, each frame with the view every frame of its GIF shares."""
    made = {}
    for name, make_frames in ANIMATIONS.items():
        made[name] = make_frames()[0]
        plots.same_cells_in_every_frame(made[name])
    return made


def animations():
    """{file name: matplotlib animation} for the four GIFs, each with its frames attached."""
    from matplotlib.animation import FuncAnimation

    made = {}
    for name, frames in frames_as_drawn().items():
        fig, axes = plots.animation_axes()
        animation = FuncAnimation(
            fig,
            lambda index, axes=axes, frames=frames: plots.animation_frame(axes, frames[index]),
            frames=len(frames),
            interval=FRAME_MS,
            repeat=True,
        )
        animation.lesson_frames = frames
        made[name] = animation
    return made


def show_in_notebook(made):
    """The animations in a Jupyter notebook: each saved as a GIF with matplotlib's writer and
    shown as an image, which the saved notebook keeps and GitHub shows (a figure shown by
    plt.show() would be its first frame, or empty axes); the figures they drew on are closed."""
    import os
    import tempfile

    from IPython.display import Image, display
    from matplotlib import pyplot as plt
    from matplotlib.animation import PillowWriter

    for name, animation in made.items():
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            animation.save(path, writer=PillowWriter(fps=1000 / FRAME_MS))
            with open(path, "rb") as file:
                gif = file.read()
        display(Image(data=gif, format="gif"))
    plt.close("all")
