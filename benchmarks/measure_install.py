"""What README's step 3 costs a newcomer: makes a fresh venv with the given Python, runs
``pip install -r requirements.txt`` in it (no pip cache), and prints the size of every file pip
chose (what a learner downloads), the size of the venv afterwards, and how long the install took
here. The venv is deleted at the end.

    python benchmarks/measure_install.py --python python3.9 [--requirements requirements.txt]

The download size is the sum of the chosen wheels' sizes (read from disk for a wheel this machine
keeps locally, from the registry's Content-Length otherwise), so it does not depend on what this
machine has cached; the time does (a locally kept wheel is not downloaded), and says so.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, ROOT)

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli.console import InputError, cleanup_on_signal, run_child, run_command
from lesson_cli.sections import first_line, one_line_argument_parser


def file_size(url):
    """Bytes of the file at a pip report's download URL: a local file or the registry's."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        return os.path.getsize(urllib.parse.unquote(parsed.path))
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(response.headers["Content-Length"])


def folder_size(path):
    return sum(
        os.path.getsize(os.path.join(folder, name))
        for folder, _, names in os.walk(path)
        for name in names
        if not os.path.islink(os.path.join(folder, name))
    )


def main(argv=None):
    parser = one_line_argument_parser(description=first_line(__doc__))
    parser.add_argument("--python", default=sys.executable, help="the Python to make the venv with")
    parser.add_argument("--requirements", default="requirements.txt")
    args = parser.parse_args(argv)
    if shutil.which(args.python) is None:
        raise InputError(f"--python 找不到 not found: {args.python}")
    if not os.path.isfile(os.path.join(ROOT, args.requirements)):
        raise InputError(f"--requirements 找不到 not found: {args.requirements}")
    with tempfile.TemporaryDirectory(prefix="measure-install-") as folder:
        with cleanup_on_signal(lambda: shutil.rmtree(folder, ignore_errors=True)):
            return measure(args, folder)


def measure(args, folder):
    """Make the venv in ``folder``, install into it, and print what it cost."""
    venv = os.path.join(folder, "venv")
    run_child([args.python, "-m", "venv", venv], what=f"{args.python} -m venv")
    python = os.path.join(venv, "bin", "python")
    version = run_child([python, "--version"], stdout=subprocess.PIPE, text=True).stdout.split()[1]
    report = os.path.join(folder, "report.json")
    started = time.monotonic()
    run_child(
        [python, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--report", report,
         "-r", os.path.join(ROOT, args.requirements)],
        what="pip install",
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.monotonic() - started
    with open(report, encoding="utf-8") as file:
        installs = json.load(file)["install"]
    local = [i for i in installs if i["download_info"]["url"].startswith("file:")]
    downloaded = sum(file_size(i["download_info"]["url"]) for i in installs)
    versions = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}
    print(
        f"Python {version}, {args.requirements}: torch {versions.get('torch')}, "
        f"{len(installs)} packages, {downloaded / 1e9:.2f} GB of wheels to download, "
        f"venv {folder_size(venv) / 1e9:.2f} GB, install {seconds:.0f} s here "
        f"({len(local)} of the wheels were on this machine's disk, not downloaded)"
    )
    shutil.rmtree(venv)  # before the folder is: its size is what a learner's disk gives up
    return 0


if __name__ == "__main__":
    sys.exit(run_command(main))
