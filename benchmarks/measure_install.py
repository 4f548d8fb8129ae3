"""What README's step 3 costs a newcomer: makes a fresh venv with the given Python, runs
``pip install -r requirements.txt`` in it (no pip cache), and prints the size of every file pip
chose (what a learner downloads), the size of the venv afterwards, and how long the install took
here. The venv is deleted at the end.

    python benchmarks/measure_install.py --python python3.9 [--requirements requirements.txt]

The download size is the sum of the chosen wheels' sizes (read from disk for a wheel this machine
keeps locally, from the registry's Content-Length otherwise), so it does not depend on what this
machine has cached; the time does (a locally kept wheel is not downloaded), and says so.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the Python to make the venv with")
    parser.add_argument("--requirements", default="requirements.txt")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        venv = os.path.join(folder, "venv")
        subprocess.run([args.python, "-m", "venv", venv], check=True)
        python = os.path.join(venv, "bin", "python")
        version = subprocess.run(
            [python, "--version"], capture_output=True, text=True, check=True
        ).stdout.split()[1]
        report = os.path.join(folder, "report.json")
        started = time.monotonic()
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-cache-dir",
                "--report",
                report,
                "-r",
                os.path.join(ROOT, args.requirements),
            ],
            check=True,
            stderr=subprocess.DEVNULL,
        )
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
        shutil.rmtree(venv)


if __name__ == "__main__":
    main()
