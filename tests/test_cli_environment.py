"""lesson_cli/environment.py: the installed packages, checked before torch is imported."""

import pytest
from conftest import (
    SCRIPTS,
    fake_old_torch,
    run_script,
)

from lesson_cli import environment


def fake_versions(**versions):
    """A version_of() for environment_problems: the real versions, with some replaced."""
    real = {p: environment.installed_version(p) for p in ("torch", "torchvision", "numpy")}
    real.update({p: environment.installed_version(p) for p, _ in environment.read_requirements()})
    real.update(versions)
    return real.get


def test_the_environment_this_suite_runs_in_has_no_known_problem():
    assert environment.environment_problems() == []


def test_a_torch_built_for_numpy_1_next_to_numpy_2_is_named():
    problems = environment.environment_problems(
        fake_versions(torch="2.2.2", numpy="2.1.0"), torch_wanted=lambda: [("==", "2.2.2")]
    )
    assert problems == [
        "torch 2.2.2 为 NumPy 1 编译 was built for NumPy 1, but numpy 2.1.0 is installed"
    ]


def test_torch_2_2_next_to_numpy_1_is_the_intel_mac_floor_and_accepted_everywhere():
    # CI's intel-mac stage runs the whole suite on exactly this pair, on Linux
    assert dict(environment.read_requirements())["torch"] == "2.2"
    assert dict(environment.read_requirements())["torchvision"] == "0.17"
    versions = fake_versions(torch="2.2.2", torchvision="0.17.2", numpy="1.26.4")
    assert environment.environment_problems(versions, torch_wanted=lambda: [("==", "2.2.2")]) == []
    problems = environment.environment_problems(fake_versions(torch="2.1.2", numpy="1.26.4"))
    assert "torch 2.1.2 低于 is below 2.2" in problems


@pytest.mark.parametrize(
    "system, machine, python, said",
    [
        ("Darwin", "x86_64", "3.13.0", "Python 3.13.0 on an Intel Mac has no PyTorch: use 3.12"),
        ("Darwin", "x86_64", "3.12.9", None),
        ("Darwin", "arm64", "3.13.0", None),
        ("Linux", "x86_64", "3.13.0", None),
        ("Windows", "AMD64", "3.14.0", None),
    ],
)
def test_python_3_13_on_an_intel_mac_is_told_to_use_3_12(system, machine, python, said):
    sentence = environment.python_without_torch(system, machine, python)
    assert sentence == (said and f"Intel Mac 上的 Python {python} 没有 PyTorch / {said}")


def test_the_start_up_check_tells_an_intel_mac_on_python_3_13_why_torch_is_missing():
    problems = environment.environment_problems(
        fake_versions(torch=None, torchvision=None),
        no_torch_here=lambda: environment.python_without_torch("Darwin", "x86_64", "3.13.1"),
    )
    assert problems[:2] == [
        "torch 未安装 is not installed",
        "Intel Mac 上的 Python 3.13.1 没有 PyTorch / "
        "Python 3.13.1 on an Intel Mac has no PyTorch: use 3.12",
    ]


def test_torch_and_torchvision_that_do_not_match_are_named():
    versions = fake_versions(torch="2.4.1", torchvision="0.18.0")
    problems = environment.combination_problems(versions, lambda: [("==", "2.3.0")])
    assert problems == ["torchvision 0.18.0 需要 needs torch==2.3.0, but torch 2.4.1 is installed"]
    # a local build tag (+cpu, +cu121) does not make a match a mismatch
    versions = fake_versions(torch="2.3.0+cpu", torchvision="0.18.0")
    assert environment.combination_problems(versions, lambda: [("==", "2.3.0")]) == []


def test_a_missing_package_is_named():
    assert "matplotlib 未安装 is not installed" in environment.environment_problems(
        fake_versions(matplotlib=None)
    )


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("2.15.0+cu132", (2, 15, 0)),
        ("2.3.0rc1", (2, 3, 0)),
        ("0.18", (0, 18)),
        ("9.1.0", (9, 1, 0)),
    ],
)
def test_version_tuple_reads_release_numbers(text, parsed):
    assert environment.version_tuple(text) == parsed


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_an_old_torch_next_to_numpy_2_is_one_line_before_torch_is_imported(tmp_path, script):
    env = fake_old_torch(tmp_path / "site")
    result = run_script("--help", cwd=tmp_path, script=SCRIPTS[script], env=env)
    assert result.returncode == 0  # --help and --list don't look at the packages
    flag = {
        "nn_layers_others": "--linear",
        "beyond_the_article": "--output-size",
        "beyond_activations": "--init-gains",
        "claims_pooling": "--salient-features",
        "claims_pooling_parameters": "--padding",
        "claims_linear_activations": "--affine",
    }[script]
    result = run_script(flag, cwd=tmp_path, script=SCRIPTS[script], env=env)
    assert result.returncode == 1
    assert result.stdout.strip() == "" or "====" not in result.stdout
    (line,) = result.stderr.splitlines()
    assert "torch 2.1.2 低于 is below 2.2" in line
    assert "built for NumPy 1" in line
    assert "pip install --upgrade -r requirements.txt" in line
