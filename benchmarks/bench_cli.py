"""Measure the lesson3 scripts against import floors, in one run.

A floor is ``python -c "import <libraries>"``: no command that needs those libraries can start
faster. Each section is compared with the floor of the libraries it really needs; the whole
scripts with the full floor (torch, torchvision, matplotlib.pyplot). Each round runs every floor
and every command once, so that a command and its floor share the machine's state; a command's
ratio is the median over the rounds of (its time / its floor's time in that round).

    python benchmarks/bench_cli.py [--repeat 3] [--only article]
"""

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli import LESSON_SCRIPTS, REPO_ROOT
from lesson_cli.console import cleanup_on_signal, run_child, run_command
from lesson_cli.sections import first_line, one_line_argument_parser, whole_number

FLOORS = {
    "torch": "import torch",
    "torch+mpl": "import torch, matplotlib.pyplot",
    # nn.MaxUnpool2d needs more of torch than `import torch` loads: every call checks its output
    # size with torch._check_value, which imports torch.fx.experimental.symbolic_shapes (and
    # sympy) on first use, about 0.6 s here (torch/nn/functional.py, _check_unpool_output_size)
    "unpool": "import torch, matplotlib.pyplot, torch.fx.experimental.symbolic_shapes",
    "full": "import torch, torchvision, matplotlib.pyplot",
}


def script(name):
    return os.path.join(REPO_ROOT, "lesson3", name + ".py")


# (name, floor, target ratio, argv); the libraries each section imports decide its floor
ARTICLE = script("nn_layers_others")
BEYOND = script("beyond_the_article")
ACTIVATIONS = script("beyond_activations")
CLAIMS = [script(name) for name in LESSON_SCRIPTS if name.startswith("claims_")]
COMMANDS = [
    *(
        (f"{os.path.basename(path)} {flag}", "full", 0.15, [path, flag])
        for path in (ARTICLE, BEYOND, ACTIVATIONS, *CLAIMS)
        for flag in ("--help", "--list")
    ),
    ("article --maxpool", "full", 1.15, [ARTICLE, "--maxpool"]),
    ("article --avgpool", "full", 1.15, [ARTICLE, "--avgpool"]),
    ("article --divisor-override", "torch", 1.15, [ARTICLE, "--divisor-override"]),
    ("article --maxunpool", "unpool", 1.15, [ARTICLE, "--maxunpool"]),
    ("article --linear", "torch", 1.15, [ARTICLE, "--linear"]),
    ("article --activations", "torch+mpl", 1.15, [ARTICLE, "--activations"]),
    ("article, every section", "full", 1.2, [ARTICLE]),
    ("beyond --unpool-vs-upsample", "unpool", 1.15, [BEYOND, "--unpool-vs-upsample"]),
    ("beyond --output-size", "torch", 1.15, [BEYOND, "--output-size"]),
    ("beyond --pool-from-scratch", "torch", 1.15, [BEYOND, "--pool-from-scratch"]),
    ("beyond --global-pooling", "torch", 1.15, [BEYOND, "--global-pooling"]),
    # issue #18: the explorer's first figure against torch + pyplot (--animate's build time:
    # bench_explorer.py)
    ("beyond --explore", "torch+mpl", 1.15, [BEYOND, "--explore"]),
    # issue #19 sets these two against the full floor
    ("beyond --modern-activations", "full", 1.3, [ACTIVATIONS, "--modern-activations"]),
    ("beyond --init-gains", "full", 1.3, [ACTIVATIONS, "--init-gains"]),
    *((f"claims {os.path.basename(path)}, all", "full", 1.6, [path]) for path in CLAIMS),
]


def claim_commands():
    """One command per flag of the claims scripts, each against the full floor (target 1.3)."""
    commands = []
    for path in CLAIMS:
        listing = run_child(
            [sys.executable, path, "--list"], stdout=subprocess.PIPE, text=True
        ).stdout
        flags = [line.split()[0] for line in listing.splitlines() if line.startswith("--")]
        commands += [(f"claims {flag}", "full", 1.3, [path, flag]) for flag in flags]
    return commands


def time_command(name, argv, out_dir):
    env = dict(os.environ, MPLBACKEND="Agg")
    figures = [] if argv[0] == "-c" or argv[-1] in ("--help", "--list") else ["--out", out_dir]
    start = time.perf_counter()
    run_child(
        [sys.executable, *argv, *figures],
        what=name,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


MAX_ROUNDS = 20  # each round runs every command: about 4 minutes here


def main(argv=None):
    parser = one_line_argument_parser(description=first_line(__doc__))
    parser.add_argument(
        "--repeat", type=whole_number(1, MAX_ROUNDS), default=3, help="rounds, 1 to 20 (default 3)"
    )
    parser.add_argument("--only", help="only the commands whose name contains this text")
    args = parser.parse_args(argv)

    import torch  # only to report the version

    commands = [c for c in COMMANDS + claim_commands() if not args.only or args.only in c[0]]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )
    floors = {name: [] for name in FLOORS}
    times = {name: [] for name, _, _, _ in commands}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as out_dir:
        with cleanup_on_signal(lambda: shutil.rmtree(out_dir, ignore_errors=True)):
            for _ in range(args.repeat):
                for name, code in FLOORS.items():
                    floors[name].append(time_command(f"floor {name}", ["-c", code], out_dir))
                for name, _, _, command in commands:
                    times[name].append(time_command(name, command, out_dir))

    for name, values in floors.items():
        print(f"floor {name:<10} {FLOORS[name]!r}: median {statistics.median(values):.2f} s")
    print(f"{'command':<36}{'floor':>10}{'median s':>10}{'ratio':>8}{'target':>8}  verdict")
    over = 0
    for name, floor, target, _ in commands:
        ratio = statistics.median(t / f for t, f in zip(times[name], floors[floor]))
        verdict = "ok" if ratio <= target else "OVER TARGET"
        over += verdict != "ok"
        median = statistics.median(times[name])
        print(f"{name:<36}{floor:>10}{median:>10.2f}{ratio:>8.2f}{target:>8.2f}  {verdict}")
    print(f"{len(commands) - over} of {len(commands)} commands within their targets")
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main))
