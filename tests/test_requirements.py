"""The requirement files: what each platform is asked to install, and the pinned files CI installs
are what requirements.txt gives the platform they stand for. (Whether pip can resolve them for
each platform needs the registry: .ci/check_resolve.py does that in CI.)"""

import os

import pytest
from conftest import REPO_ROOT
from packaging.requirements import Requirement

PLATFORMS = {
    "linux x86_64": {"platform_system": "Linux", "platform_machine": "x86_64"},
    "linux aarch64": {"platform_system": "Linux", "platform_machine": "aarch64"},
    "windows": {"platform_system": "Windows", "platform_machine": "AMD64"},
    "apple silicon": {"platform_system": "Darwin", "platform_machine": "arm64"},
    "intel mac": {"platform_system": "Darwin", "platform_machine": "x86_64"},
}


def requirements(name, platform=None):
    """{package: specifier} of a requirement file's lines whose marker holds on ``platform``."""
    wanted = {}
    with open(os.path.join(REPO_ROOT, name), encoding="utf-8") as file:
        for line in file:
            line = line.split("#")[0].strip()
            if not line or line.startswith("-r"):
                continue
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or marker.evaluate(PLATFORMS.get(platform)):
                assert requirement.name not in wanted, f"{name}: two lines for {requirement.name}"
                wanted[requirement.name] = requirement.specifier
    return wanted


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_one_line_per_package_and_only_intel_macs_get_torch_2_2(platform):
    wanted = requirements("requirements.txt", platform)
    packages = ["torch", "torchvision", "matplotlib", "pillow"]
    assert sorted(wanted) == sorted(packages + (["numpy"] if platform == "intel mac" else []))
    intel = platform == "intel mac"
    assert wanted["torch"].contains("2.2.2") == intel
    assert wanted["torch"].contains("2.3.0") != intel
    assert wanted["torchvision"].contains("0.17.2") == intel
    assert not intel or not wanted["numpy"].contains("2.0.0")


@pytest.mark.parametrize(
    "pinned, platform",
    [("requirements-intel-mac.txt", "intel mac"), ("requirements-floor.txt", None)],
)
def test_the_pinned_files_ci_installs_satisfy_requirements_txt(pinned, platform):
    pins = requirements(pinned, platform)
    for package, specifier in requirements("requirements.txt", platform).items():
        (version,) = [str(pin)[2:] for pin in pins[package] if pin.operator == "=="] or [None]
        if version is not None:
            assert specifier.contains(version), (pinned, package, version, specifier)
    # the floors file pins each floor exactly, the intel-mac file the three packages that differ
    if pinned == "requirements-floor.txt":
        for package, specifier in requirements("requirements.txt", "linux x86_64").items():
            (floor,) = [s.version for s in specifier if s.operator == ">="]
            assert str(pins[package]).lstrip("=") in (floor, floor + ".0"), package
    else:
        assert {p: str(pins[p]) for p in ("torch", "torchvision", "numpy")} == {
            "torch": "==2.2.2",
            "torchvision": "==0.17.2",
            "numpy": "==1.26.4",
        }
