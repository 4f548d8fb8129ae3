"""python check_env.py: the report a learner pastes into a question."""

import os
import sys

import pytest
from conftest import REPO_ROOT, assert_one_line_error, fake_old_torch, load_module, run_script

from lesson_cli import environment
from lesson_cli.console import run_cli

CHECK_ENV = os.path.join(REPO_ROOT, "check_env.py")


def test_check_env_lists_every_requirement_python_gpu_and_platform(tmp_path):
    # CI's intel-mac stage installs the Intel-Mac versions on Linux and checks them as a Mac
    platform_lines = environment.this_platform()
    if environment.version_tuple(environment.installed_version("torch")) < (2, 3):
        platform_lines = ("Darwin", "x86_64")
    result = run_script("--as-platform", *platform_lines, script=CHECK_ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    python = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    assert lines[0].split()[:2] == ["python", python] and lines[0].endswith("OK")
    for package, floor in environment.read_requirements(platform_lines=platform_lines):
        (row,) = [line for line in lines if line.split()[0] == package]
        assert row.split() == [package, environment.installed_version(package), ">=" + floor, "OK"]
    assert any(line.startswith("numpy") for line in lines)
    (gpu,) = [line for line in lines if line.startswith("gpu")]
    assert "CUDA" in gpu or "CPU" in gpu or "MPS" in gpu
    assert any(line.startswith("platform") for line in lines)
    assert lines[-1] == "全部 OK / all OK"


def test_check_env_fails_on_an_old_torch_and_says_how_to_fix_it(tmp_path):
    result = run_script(script=CHECK_ENV, cwd=tmp_path, env=fake_old_torch(tmp_path / "site"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    (torch_row,) = [line for line in lines if line.startswith("torch ")]
    floor = dict(environment.read_requirements(platform_lines=environment.this_platform()))
    assert torch_row.split() == ["torch", "2.1.2", ">=" + floor["torch"], "FAIL"]
    assert "numpy        2.1.0" in lines
    assert any(line.startswith("FAIL torch 2.1.2") and "NumPy 1" in line for line in lines)
    assert "not checked" in [line for line in lines if line.startswith("gpu")][0]
    assert lines[-1].endswith("pip install --upgrade -r requirements.txt")


def test_check_env_answers_help_and_refuses_an_unknown_flag_in_one_line(tmp_path):
    result = run_script("--help", script=CHECK_ENV, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("usage: check_env.py")
    assert "python" not in result.stdout.splitlines()[-1]  # help, not the report
    result = run_script("--bogus", script=CHECK_ENV, cwd=tmp_path)
    assert_one_line_error(result, "unrecognized arguments: --bogus", code=2)


def test_check_env_on_an_intel_mac_with_python_3_13_says_use_3_12(monkeypatch, capsys):
    import platform

    check_env = load_module(CHECK_ENV)
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(platform, "python_version", lambda: "3.13.0")
    assert run_cli(check_env.main, []) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["python", "3.13.0", ">=3.9", "FAIL"]
    assert (
        "FAIL Intel Mac 上的 Python 3.13.0 没有 PyTorch / "
        "Python 3.13.0 on an Intel Mac has no PyTorch: use 3.12"
    ) in lines


@pytest.mark.parametrize(
    "system, machine, torch_floor, torchvision_floor",
    [
        ("Linux", "x86_64", "2.3", "0.18"),
        ("Linux", "aarch64", "2.3", "0.18"),
        ("Windows", "AMD64", "2.3", "0.18"),
        ("Darwin", "arm64", "2.3", "0.18"),
        ("Darwin", "x86_64", "2.2", "0.17"),  # an Intel Mac: torch 2.2.2 is its last release
    ],
)
def test_check_env_prints_and_checks_the_floors_of_the_platform_it_runs_on(
    monkeypatch, capsys, system, machine, torch_floor, torchvision_floor
):
    import platform

    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    check_env = load_module(CHECK_ENV)
    versions = {"torch": "2.2.2", "torchvision": "0.17.2", "numpy": "1.26.4"}
    monkeypatch.setattr(check_env, "installed_version", lambda p: versions.get(p, "99"))
    monkeypatch.setattr(
        check_env,
        "package_status",
        lambda platform_lines: environment.package_status(
            lambda p: versions.get(p, "99"), platform_lines
        ),
    )
    monkeypatch.setattr(check_env, "combination_problems", lambda: [])
    monkeypatch.setattr(check_env, "gpu_description", lambda: "none")
    code = run_cli(check_env.main, [])
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert rows["torch"][2:] == [">=" + torch_floor, "FAIL" if torch_floor == "2.3" else "OK"]
    assert rows["torchvision"][2] == ">=" + torchvision_floor
    assert code == (1 if torch_floor == "2.3" else 0)


def test_a_marker_this_check_cannot_read_is_refused_not_guessed(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text('torch>=2.3; python_version < "3.13"\n')
    with pytest.raises(ValueError, match="a marker this check cannot read"):
        environment.read_requirements(requirements, platform_lines=("Linux", "x86_64"))
    assert environment.read_requirements(requirements) == [("torch", "2.3")]
