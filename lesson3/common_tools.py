"""The article keeps common_tools.py beside its scripts in lesson3/; this repository keeps it in
the top folder. This file lets your own script in lesson3/ use the article's import as written:

    from common_tools import transform_invert, set_seed

It runs ../common_tools.py here, so there is one copy of the helpers: read them there.
"""

import os as _os

_HELPERS = _os.path.join(
    _os.path.dirname(_os.path.dirname(_os.path.realpath(__file__))), "common_tools.py"
)
with open(_HELPERS, encoding="utf-8") as _file:
    exec(compile(_file.read(), _HELPERS, "exec"))
