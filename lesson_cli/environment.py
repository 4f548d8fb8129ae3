"""The installed packages, read from their metadata without importing them: the start-up check
of every lesson script, and ``check_env.py``'s report."""

import os
import platform
import re

from lesson_cli import REPO_ROOT
from lesson_cli.console import InputError

REQUIREMENTS_FILE = os.path.join(REPO_ROOT, "requirements.txt")
FIX_COMMAND = "pip install --upgrade -r requirements.txt"


def read_requirements(path=REQUIREMENTS_FILE, platform_lines=None):
    """[(package, floor)] from the ``name>=floor`` lines of requirements.txt: its floors are the
    ones this code checks, so they are written in one place.

    ``platform_lines``: (platform.system(), platform.machine()) of the machine whose lines count
    (each line's environment marker is evaluated for it), as check_env.py reports them. None:
    every line, and where a package has a line per platform the lowest floor counts, as the
    scripts' start-up check refuses only what is known to break: CI runs the whole suite on each
    (torch 2.2 with NumPy 1 in the intel-mac stage, on Linux), and what does not work with it,
    torch < 2.3 next to NumPy 2, is refused by combination_problems."""
    floors = {}
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.readlines()
    except OSError:  # a copy of the scripts without requirements.txt: nothing to check against
        return []
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)[^;#]*(?:;([^#]*))?", line)
        if not match:
            continue
        package, floor, marker = match.groups()
        if platform_lines is not None and marker and not marker_holds(marker, *platform_lines):
            continue
        if package not in floors or version_tuple(floor) < version_tuple(floors[package]):
            floors[package] = floor
    return list(floors.items())


# The words requirements.txt's environment markers use, and what each becomes in Python.
MARKER_TOKENS = r'\s*(platform_system|platform_machine|"[^"]*"|==|!=|and|or|\(|\))'


def marker_holds(marker, system, machine):
    """Whether an environment marker such as ``platform_system == "Darwin" and platform_machine
    == "x86_64"`` holds on ``system``/``machine``. Our few lines, because ``packaging`` is not a
    dependency of ours; a marker with other words is refused, not guessed at."""
    tokens = re.findall(MARKER_TOKENS, marker)
    if "".join(tokens) != re.sub(r"\s+", "", marker):
        raise ValueError(f"requirements.txt: a marker this check cannot read: {marker.strip()}")
    names = {"platform_system": system, "platform_machine": machine}
    return eval(" ".join(tokens), {"__builtins__": {}}, names)  # only the words above


def this_platform():
    """(system, machine) of this machine, as environment markers name them."""
    return platform.system(), platform.machine()


def python_without_torch(system=None, machine=None, python=None):
    """The sentence for a Python that no torch release supports on this machine, or None: torch
    2.2.2, the last release for Intel macOS, has wheels for Python 3.8-3.12 only. The parameters
    (platform.system(), platform.machine(), platform.python_version()) let tests be an Intel Mac."""
    system = system or platform.system()
    machine = machine or platform.machine()
    python = python or platform.python_version()
    if (system, machine) == ("Darwin", "x86_64") and version_tuple(python)[:2] > (3, 12):
        return (
            f"Intel Mac 上的 Python {python} 没有 PyTorch / "
            f"Python {python} on an Intel Mac has no PyTorch: use 3.12"
        )
    return None


def version_tuple(text):
    """'2.15.0+cu132' -> (2, 15, 0); '2.3.0rc1' -> (2, 3, 0). Our own few lines, because
    ``packaging`` is not one of our dependencies and release numbers are all we compare."""
    return tuple(int(part) for part in re.findall(r"\d+", re.match(r"[\d.]*", text).group()))


def installed_version(package):
    """The installed version of ``package``, or None; reads metadata only, imports nothing."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def torch_wanted_by_torchvision():
    """torchvision's requirement on torch as [(operator, version)], e.g. [('==', '2.3.0')]."""
    from importlib import metadata

    try:
        requires = metadata.requires("torchvision") or []
    except metadata.PackageNotFoundError:
        return []
    for requirement in requires:
        match = re.match(r"torch\b\s*\(?([^;)]*)", requirement)
        if match and not requirement.startswith("torch-"):
            return re.findall(r"(==|>=|<=|!=|<|>)\s*([0-9][0-9.]*)", match.group(1))
    return []


_COMPARE = {
    "==": lambda a, b: a[: len(b)] == b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "!=": lambda a, b: a[: len(b)] != b,
}


def package_status(version_of=None, platform_lines=None):
    """[(package, floor, installed version or None, ok)] for each package of requirements.txt;
    ``platform_lines`` as read_requirements takes it."""
    version_of = version_of or installed_version
    status = []
    for package, floor in read_requirements(platform_lines=platform_lines):
        have = version_of(package)
        status.append(
            (package, floor, have, have is not None and version_tuple(have) >= version_tuple(floor))
        )
    return status


def environment_problems(version_of=None, torch_wanted=None, no_torch_here=python_without_torch):
    """Everything known to break: packages missing or below their floor, then the bad
    combinations. Each is a sentence naming what is installed; empty when all is well."""
    version_of = version_of or installed_version
    problems = []
    for package, floor, have, ok in package_status(version_of):
        if have is None:
            problems.append(f"{package} 未安装 is not installed")
            if package == "torch" and no_torch_here():
                problems.append(no_torch_here())
        elif not ok:
            problems.append(f"{package} {have} 低于 is below {floor}")
    return problems + combination_problems(version_of, torch_wanted)


def combination_problems(version_of=None, torch_wanted=None):
    """Installed packages that don't work together: a torch built for NumPy 1 next to NumPy 2,
    and a torchvision built for another torch. The parameters let tests simulate both."""
    version_of = version_of or installed_version
    torch_wanted = torch_wanted or torch_wanted_by_torchvision
    problems = []
    torch, numpy = version_of("torch"), version_of("numpy")
    if torch and numpy and version_tuple(torch) < (2, 3) and version_tuple(numpy) >= (2,):
        problems.append(
            f"torch {torch} 为 NumPy 1 编译 was built for NumPy 1, but numpy {numpy} is installed"
        )
    vision = version_of("torchvision")
    if torch and vision:
        wanted = torch_wanted()
        if not all(_COMPARE[op](version_tuple(torch), version_tuple(v)) for op, v in wanted):
            needs = ",".join(op + v for op, v in wanted)
            problems.append(
                f"torchvision {vision} 需要 needs torch{needs}, but torch {torch} is installed"
            )
    return problems


def check_environment():
    """Raise InputError, one line, when the installed packages are known not to work together,
    before torch or torchvision fail somewhere deep inside with a RuntimeError."""
    problems = environment_problems()
    if problems:
        raise InputError(
            "环境有问题 / the installed packages won't work: "
            + "; ".join(problems)
            + f". 修复 fix: {FIX_COMMAND}  (python check_env.py shows everything)"
        )
