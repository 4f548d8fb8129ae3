"""本章代码用到的两个工具 / The two helpers the article imports.

    from common_tools import transform_invert, set_seed

as in the article's code. Importing this module only defines them: torch and torchvision are
imported when a helper is called. The scripts' command line lives in lesson_cli/.
"""

import random


def set_seed(seed=1):
    """设置随机种子 / Seed Python, NumPy and PyTorch (CPU and every GPU) for repeatable numbers.

    Introduced in 3.3 (``set_seed(1)  # 设置随机种子``) and used by every section.
    """
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)  # a no-op without a GPU


def transform_invert(img_, transform_train=None):
    """把变换后的 C×H×W 张量还原成 PIL 图片 / Turn a transformed C×H×W tensor back into a PIL image.

    Undoes every ``transforms.Normalize`` in ``transform_train`` (a ``Compose``, a single transform
    or None), then ``ToTensor``'s scaling: floating-point tensors are read as 0~1, as ToTensor makes
    them, integer tensors as 0~255. Values outside that range are clamped, not wrapped around.
    The caller's tensor is never changed; tensors that require grad or live on a GPU are fine.
    One channel gives a mode 'L' image, three 'RGB', four 'RGBA'.

    Introduced in 3.3, 最大池化：nn.MaxPool2d(), to look at a pooled image.
    """
    import torch
    from torchvision import transforms
    from torchvision.transforms import functional as F

    if not isinstance(img_, torch.Tensor) or img_.dim() != 3:
        shape = tuple(img_.shape) if isinstance(img_, torch.Tensor) else type(img_).__name__
        raise ValueError(
            f"transform_invert expects a C×H×W tensor, got {shape}; "
            "drop the batch dimension first, e.g. img[0]"
        )
    channels = img_.shape[0]
    if channels not in (1, 3, 4):
        raise ValueError(
            f"transform_invert shows 1 (L), 3 (RGB) or 4 (RGBA) channels, got {channels}; "
            "pick the channels to show first, e.g. img[0:3]"
        )

    if isinstance(transform_train, transforms.Compose):
        steps = transform_train.transforms
    else:
        steps = [transform_train]
    img = img_.detach().cpu()  # every step below is out of place, so img_ is never modified
    was_integer = not img.is_floating_point()
    img = img.float()
    for step in reversed(steps):
        if isinstance(step, transforms.Normalize):
            # x = (y - mean) / std  =>  y = x * std + mean, written as another Normalize
            mean = torch.as_tensor(step.mean, dtype=torch.float32)
            std = torch.as_tensor(step.std, dtype=torch.float32)
            img = F.normalize(img, mean=(-mean / std).tolist(), std=(1 / std).tolist())

    if not was_integer:
        img = img * 255
    # Round and clamp here: F.to_pil_image would truncate floats and let uint8 wrap 256 -> 0.
    img = img.nan_to_num(0.0).round().clamp(0, 255).to(torch.uint8)
    return F.to_pil_image(img)
