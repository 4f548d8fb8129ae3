"""The article keeps common_tools.py beside its scripts in lesson3/; this repository keeps it in
the top folder. This file lets your own script in lesson3/ use the article's import as written:

    from common_tools import transform_invert, set_seed

It runs ../common_tools.py here, so there is one copy of the helpers: read them there.
"""

import os as _os

_HELPERS = _os.path.join(
    _os.path.dirname(_os.path.dirname(_os.path.realpath(__file__))), "common_tools.py"
)
if not _os.path.isfile(_HELPERS):  # this bridge was copied out of the repository, alone
    raise SystemExit(
        "错误 error: 这个 common_tools.py 只是转到仓库顶层的 common_tools.py，"
        f"那里才有这两个函数，请复制那一个 / {__file__} only points to the repository's "
        "top-level common_tools.py, which holds the two helpers: copy that one instead"
    )
with open(_HELPERS, encoding="utf-8") as _file:
    exec(compile(_file.read(), _HELPERS, "exec"))

if __name__ == "__main__":  # run, not imported: say what this file is for (--list, or anything)
    print(
        "common_tools.py 不是要运行的脚本，没有章节：在你自己放在 lesson3/ 的脚本里写\n"
        "  from common_tools import transform_invert, set_seed\n"
        "/ this file has no sections to run: it lets your own script in lesson3/ use the "
        "article's import"
    )
