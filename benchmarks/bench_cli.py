"""Measure lesson3/nn_layers_others.py against the import floor, in one run.

The import floor is ``python -c "import torch, torchvision, matplotlib.pyplot"``: no script that
uses these libraries can start faster. Each command runs --repeat times, interleaved so that a
noisy neighbour slows them all alike; the fastest run of each is compared with the fastest floor.

    python benchmarks/bench_cli.py [--repeat 5]
"""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common_tools import REPO_ROOT, OneLineArgumentParser, run_cli  # noqa: E402

SCRIPT = os.path.join(REPO_ROOT, "lesson3", "nn_layers_others.py")
# (name, target ratio to the floor or None, argv)
COMMANDS = [
    ("import floor", None, ["-c", "import torch, torchvision, matplotlib.pyplot"]),
    ("--help", 0.15, [SCRIPT, "--help"]),
    ("--list", 0.15, [SCRIPT, "--list"]),
    ("full run", 1.3, [SCRIPT, "--no-show"]),
]


def time_command(argv, out_dir):
    env = dict(os.environ, MPLBACKEND="Agg")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *argv, *(["--out", out_dir] if argv[-1] == "--no-show" else [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def main(argv=None):
    parser = OneLineArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (default 5)")
    args = parser.parse_args(argv)

    import torch  # only to report the version

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )
    times = {name: [] for name, _, _ in COMMANDS}
    with tempfile.TemporaryDirectory() as out_dir:
        for _ in range(args.repeat):
            for name, _, command in COMMANDS:
                times[name].append(time_command(command, out_dir))

    floor = min(times["import floor"])
    print(f"{'command':<14}{'fastest s':>10}{'median s':>10}{'ratio':>8}{'target':>8}  verdict")
    for name, target, _ in COMMANDS:
        fastest, median = min(times[name]), statistics.median(times[name])
        ratio = fastest / floor
        verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
        target_text = "" if target is None else f"{target:.2f}"
        print(f"{name:<14}{fastest:>10.2f}{median:>10.2f}{ratio:>8.2f}{target_text:>8}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
