"""python check_env.py: the report a learner pastes into a question."""

import os
import sys

from conftest import REPO_ROOT, assert_one_line_error, fake_old_torch, load_module, run_script

from lesson_cli import environment
from lesson_cli.console import run_cli

CHECK_ENV = os.path.join(REPO_ROOT, "check_env.py")


def test_check_env_lists_every_requirement_python_gpu_and_platform(tmp_path):
    result = run_script(script=CHECK_ENV, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    python = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    assert lines[0].split()[:2] == ["python", python] and lines[0].endswith("OK")
    for package, floor in environment.read_requirements():
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
    assert torch_row.split() == ["torch", "2.1.2", ">=2.2", "FAIL"]
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
