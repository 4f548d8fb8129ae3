"""检查运行环境 / Check the environment: run ``python check_env.py`` and paste its output into a
question when something goes wrong.

It prints Python's version, each package of requirements.txt with its installed version and OK or
FAIL against the floor requirements.txt gives this platform, NumPy, whether torch sees a GPU, and
the platform; it exits with 1 when something fails. Packages are read from their metadata first,
so a broken torch is reported, not crashed on.
"""

import os
import platform
import sys

# lesson_cli/ sits beside this file: find it from any folder (also under python -I)
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli.console import run_command
from lesson_cli.environment import (
    FIX_COMMAND,
    combination_problems,
    installed_version,
    package_status,
    python_without_torch,
    this_platform,
)
from lesson_cli.sections import one_line_argument_parser

MIN_PYTHON = (3, 9)


def main(argv=None):
    parser = one_line_argument_parser(
        description="检查运行环境 / check the environment: paste the report into a question",
        epilog="exit status: 0 when everything is OK, 1 when something fails",
    )
    parser.add_argument(
        "--as-platform",
        nargs=2,
        metavar=("SYSTEM", "MACHINE"),
        default=this_platform(),
        help="按另一个平台的 requirements.txt 行检查 / check against another platform's lines "
        "(CI checks the Intel-Mac versions on Linux: Darwin x86_64; default: this machine, "
        "%(default)s)",
    )
    args = parser.parse_args(argv)
    system, machine = args.as_platform

    failed = False
    no_torch_here = python_without_torch(system, machine)
    python_ok = sys.version_info[:2] >= MIN_PYTHON and no_torch_here is None
    floor = ".".join(map(str, MIN_PYTHON))
    rows = [("python", platform.python_version(), floor, python_ok)]
    status = package_status(platform_lines=(system, machine))
    rows += [(package, have, floor, ok) for package, floor, have, ok in status]
    for name, have, floor, ok in rows:
        failed |= not ok
        print(
            f"{name:<12} {have or '未安装 not installed':<24} >={floor:<8} {'OK' if ok else 'FAIL'}"
        )
    print(f"{'numpy':<12} {installed_version('numpy') or '未安装 not installed'}")
    problems = ([no_torch_here] if no_torch_here else []) + combination_problems()
    for problem in problems:
        failed = True
        print(f"FAIL {problem}")
    gpu = "未检查 not checked (fix the above first)" if failed else gpu_description()
    print(f"{'gpu':<12} {gpu}")
    checked_as = (
        "" if (system, machine) == this_platform() else f", 按 checked as {system} {machine}"
    )
    print(f"{'platform':<12} {platform.platform()} ({platform.machine()}{checked_as})")
    print(f"{'executable':<12} {sys.executable}")
    if failed:
        print(f"有问题 something failed. 修复 fix: {FIX_COMMAND}")
        return 1
    print("全部 OK / all OK")
    return 0


def gpu_description():
    """What torch can compute on, from torch itself (this is the one place it is imported)."""
    import torch

    if torch.cuda.is_available():
        return f"CUDA {torch.version.cuda}: {torch.cuda.get_device_name(0)}"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "Apple MPS"
    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
    return f"无 none: torch {torch.__version__} ({build}) runs on the CPU"


if __name__ == "__main__":
    sys.exit(run_command(main))
