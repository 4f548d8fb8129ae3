"""Can pip resolve the requirement files for every platform a learner has? Resolves them,
installing nothing, for Linux x86_64 and aarch64, Windows, Apple Silicon and Intel macOS, each on
the oldest and the newest Python we support, and prints the torch, torchvision and NumPy each gets.

pip's --platform and --python-version choose wheels but evaluate environment markers (ours, and
torch's own "nvidia-...; platform_system == 'Linux'") for the machine pip runs on, pypa/pip#10050.
So each resolution runs pip in a child process whose marker environment is the target's: packaging's
default_environment, as pip vendors it, is replaced before pip starts. Nothing else of pip changes.

Needs the registry, so it runs in .ci/run, not in the tests. Exit status 1 when a platform that
must resolve does not, or when Python 3.13 on an Intel Mac (no torch there) does.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLDEST, NEWEST = "3.9", "3.13"


def linux_tags(machine):
    """pip expands a macOS tag to older macOS releases but a manylinux tag to nothing, so every
    manylinux tag a glibc 2.35 machine (Ubuntu 22.04) accepts is listed."""
    return [f"manylinux_2_{glibc}_{machine}" for glibc in range(35, 16, -1)] + [
        f"manylinux2014_{machine}"
    ]


# name: (pip's --platform tags, marker environment)
PLATFORMS = {
    "Linux x86_64": (
        linux_tags("x86_64"),
        {"platform_system": "Linux", "platform_machine": "x86_64", "sys_platform": "linux"},
    ),
    "Linux aarch64": (
        linux_tags("aarch64"),
        {"platform_system": "Linux", "platform_machine": "aarch64", "sys_platform": "linux"},
    ),
    "Windows x86_64": (
        ["win_amd64"],
        {
            "platform_system": "Windows",
            "platform_machine": "AMD64",
            "sys_platform": "win32",
            "os_name": "nt",
        },
    ),
    "macOS Apple Silicon": (
        ["macosx_14_0_arm64"],
        {"platform_system": "Darwin", "platform_machine": "arm64", "sys_platform": "darwin"},
    ),
    "macOS Intel": (
        ["macosx_14_0_x86_64"],
        {"platform_system": "Darwin", "platform_machine": "x86_64", "sys_platform": "darwin"},
    ),
}
# (platform, Python, requirement file, must it resolve?)
CASES = [
    (platform, python, file, True)
    for platform in PLATFORMS
    for python in ([OLDEST, "3.12"] if platform == "macOS Intel" else [OLDEST, NEWEST])
    for file in ("requirements-dev.txt", "requirements-notebooks.txt")
] + [("macOS Intel", NEWEST, "requirements.txt", False)]


def child(marker_environment, pip_arguments):
    """Run pip with packaging's marker environment replaced by the target's."""
    from pip._internal.cli.main import main as pip_main
    from pip._vendor.packaging import markers

    machine_environment = markers.default_environment

    def target_environment():
        return {**machine_environment(), **marker_environment}

    markers.default_environment = target_environment
    return pip_main(pip_arguments)


def resolve(platform, python, requirement_file):
    """(resolved {name: version} or None, seconds, pip's last error line)."""
    tags, marker_environment = PLATFORMS[platform]
    marker_environment = {
        **marker_environment,
        "python_version": python,
        "python_full_version": python + ".0",
    }
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "report.json")
        arguments = [
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            python,
            "--target",
            os.path.join(folder, "never-written"),
            "--report",
            report,
            "-r",
            os.path.join(ROOT, requirement_file),
        ]
        for tag in tags:
            arguments += ["--platform", tag]
        started = time.monotonic()
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                json.dumps(marker_environment),
                json.dumps(arguments),
            ],
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            return None, seconds, (errors or ["pip failed"])[-1]
        with open(report, encoding="utf-8") as file:
            installs = json.load(file)["install"]
        return (
            {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs},
            seconds,
            "",
        )


def main():
    failed = False
    for platform, python, requirement_file, must_resolve in CASES:
        versions, seconds, error = resolve(platform, python, requirement_file)
        if versions is None:
            got = f"does not resolve ({error})"
        else:
            got = ", ".join(
                f"{name} {versions.get(name, '-')}"
                for name in ("torch", "torchvision", "numpy", "matplotlib", "pillow")
            )
        ok = (versions is not None) == must_resolve
        failed |= not ok
        expected = "" if must_resolve else " (expected: no torch for this Python)"
        print(
            f"{'OK  ' if ok else 'FAIL'} {platform:<20} Python {python:<5} {requirement_file:<27}"
            f" {got}{expected} [{seconds:.0f} s]",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child(json.loads(sys.argv[2]), json.loads(sys.argv[3])))
    sys.exit(main())
