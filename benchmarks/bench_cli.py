"""Measure lesson3/nn_layers_others.py against the import floor, in one run.

The import floor is ``python -c "import torch, torchvision, matplotlib.pyplot"``: no script that
uses these libraries can start faster. Each round runs the floor and then every command once, so
a command and the floor it is compared with share the machine's state; a command's ratio is the
median over the rounds of (its time / that round's floor). On a shared, noisy machine this is
steadier than comparing the fastest runs, which the table prints too.

    python benchmarks/bench_cli.py [--repeat 7]
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
ARTICLE_FLAGS = ["--maxpool", "--avgpool", "--divisor-override", "--maxunpool", "--linear"]
ARTICLE_FLAGS += ["--activations"]
# (name, target ratio to the floor or None, argv)
COMMANDS = [
    ("import floor", None, ["-c", "import torch, torchvision, matplotlib.pyplot"]),
    ("--help", 0.15, [SCRIPT, "--help"]),
    ("--list", 0.15, [SCRIPT, "--list"]),
    # the article's sections (pooling, linear, activations), figures included
    ("article", 1.3, [SCRIPT, *ARTICLE_FLAGS, "--no-show"]),
    # everything, the sections beyond the article included
    ("full run", 1.5, [SCRIPT, "--no-show"]),
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
    parser.add_argument("--repeat", type=int, default=7, help="rounds (default 7)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

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

    floors = times["import floor"]
    print(f"{'command':<14}{'fastest s':>10}{'median s':>10}{'ratio':>8}{'target':>8}  verdict")
    for name, target, _ in COMMANDS:
        ratio = statistics.median(t / floor for t, floor in zip(times[name], floors))
        verdict = "" if target is None else ("ok" if ratio <= target else "OVER TARGET")
        target_text = "" if target is None else f"{target:.2f}"
        fastest, median = min(times[name]), statistics.median(times[name])
        print(f"{name:<14}{fastest:>10.2f}{median:>10.2f}{ratio:>8.2f}{target_text:>8}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
