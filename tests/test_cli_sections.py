"""lesson_cli/sections.py: a table of sections becomes each script's flags; the scripts find
their modules from anywhere."""

import os
import subprocess
import sys

import pytest
from conftest import (
    REPO_ROOT,
    SCRIPT,
    SCRIPTS,
    assert_one_line_error,
    run_raw,
    run_script,
)


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS)
@pytest.mark.parametrize("folder", ["lesson3", "."])
def test_each_script_finds_common_tools_from_inside_the_repository(folder, script):
    result = run_script("--list", cwd=f"{REPO_ROOT}/{folder}", script=script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("--")


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS)
@pytest.mark.parametrize("args", [["--list"], ["--help"]])
def test_list_and_help_answer_without_importing_torch_or_matplotlib(args, tmp_path, script):
    code = (
        "import runpy, sys\n"
        f"sys.argv = [{script!r}, *{args!r}]\n"
        "try:\n"
        f"    runpy.run_path({script!r}, run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('imported:', [m for m in ('torch', 'matplotlib', 'PIL') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.rstrip().endswith("imported: []")


def test_list_shows_every_flag_with_the_articles_heading(tmp_path):
    result = run_script("--list", cwd=tmp_path)
    assert result.returncode == 0
    assert "--maxpool" in result.stdout and "最大池化：nn.MaxPool2d()" in result.stdout
    assert "--linear" in result.stdout and "线性层" in result.stdout


def test_an_unknown_flag_is_one_line_and_exit_2(tmp_path):
    result = run_script("--maxpol", cwd=tmp_path)
    assert_one_line_error(result, "unrecognized arguments: --maxpol", "--help", code=2)


def test_image_given_to_sections_that_use_none_is_a_usage_error(run_main, tmp_path):
    code, out, err = run_main("--linear", "--image", str(tmp_path / "x.png"))
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "--image 只用于 is used only by: --maxpool, --avgpool" in err


ALL_COMMANDS = {**SCRIPTS, "check_env": os.path.join(REPO_ROOT, "check_env.py")}


@pytest.mark.parametrize("name", sorted(ALL_COMMANDS))
@pytest.mark.parametrize(
    "how",
    [("-I",), ("-E", "-s"), "PYTHONSAFEPATH", "symlink"],
    ids=["python -I", "python -E -s", "PYTHONSAFEPATH=1", "a symlink"],
)
def test_each_command_finds_its_modules_isolated_safepath_and_through_a_symlink(
    tmp_path, name, how
):
    script, env, python = ALL_COMMANDS[name], {}, ()
    if how == "symlink":
        if not hasattr(os, "symlink") or sys.platform == "win32":
            pytest.skip("symlinks need privileges on Windows")
        link = tmp_path / "linked.py"
        link.symlink_to(script)
        script = str(link)
    elif how == "PYTHONSAFEPATH":
        env = {"PYTHONSAFEPATH": "1"}
    else:
        python = how
    args = ["--help"] if name == "check_env" else ["--list"]
    result = run_raw(*args, cwd=tmp_path, script=script, env=env, python=python)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""


def test_a_section_runs_through_a_symlink_under_python_i(tmp_path):
    link = tmp_path / "nn_layers_others.py"
    link.symlink_to(SCRIPT)
    result = run_raw("--linear", cwd=tmp_path, script=str(link), python=("-I",))
    assert result.returncode == 0, result.stderr.decode()
    assert b"grad_fn=<AddmmBackward0>" in result.stdout


def test_importing_a_script_as_a_module_leaves_ctrl_c_alone():
    # what Jupyter and pytest do: only a script's own __main__ installs our Ctrl-C handler
    code = (
        "import importlib.util, signal, sys\n"
        f"spec = importlib.util.spec_from_file_location('lesson', {SCRIPT!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "True\n", result.stderr


def fake_section():
    """假的一节 / a section added to a script's table, and nothing else"""
    from matplotlib import pyplot as plt

    print("fake section ran")
    plt.plot([0, 1], [1, 0])


def test_a_section_added_to_the_table_is_a_flag_listed_run_and_saved(tmp_path, capsys):
    # One row in SECTIONS is all a new section needs: the flag, --list, the no-flag run and the
    # saving of its figure all come from the table (a fresh copy of the module, so that the
    # other tests see the table as it is).
    from conftest import load_script

    from lesson_cli.console import run_cli
    from lesson_cli.sections import Section

    module = load_script("nn_layers_others")
    module.SECTIONS = [
        section for section in module.SECTIONS if not section.uses_image and not section.figures
    ] + [Section("fake", "假的一节 a fake section", fake_section, figures=("fake",))]
    assert run_cli(module.main, ["--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == len(module.SECTIONS)
    assert listed[-1].split() == ["--fake", "假的一节", "a", "fake", "section", "→", "fake.png"]

    out_dir = tmp_path / "figures"
    assert run_cli(module.main, ["--out", str(out_dir), "--no-show"]) == 0
    out = capsys.readouterr().out
    banners = [line for line in out.splitlines() if line.startswith("====")]
    assert [line.split("[")[1].split("]")[0] for line in banners] == [
        "--" + section.flag for section in module.SECTIONS
    ]
    assert "fake section ran" in out and sorted(os.listdir(out_dir)) == ["fake.png"]


def test_the_layers_import_one_way():
    # lesson_cli.console is the base: importing it loads no other module of ours; the lab the
    # scripts draw and measure with never loads the command line
    code = (
        "import importlib, pkgutil, sys\n"
        "import lesson_cli.console\n"
        "print(sorted(m for m in sys.modules if m.startswith(('lesson_cli', 'lab'))))\n"
        "import lab\n"
        "for module in pkgutil.iter_modules(lab.__path__):\n"
        "    importlib.import_module('lab.' + module.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('lesson_cli')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([REPO_ROOT, f"{REPO_ROOT}/lesson3"])},
        capture_output=True,
        text=True,
    )
    assert result.stdout.splitlines() == ["['lesson_cli', 'lesson_cli.console']"] * 2, result.stderr


def test_every_python_file_a_learner_sees_in_lesson3_answers_list():
    names = sorted(n for n in os.listdir(f"{REPO_ROOT}/lesson3") if n.endswith(".py"))
    assert names == sorted(
        [*(name + ".py" for name in SCRIPTS), "common_tools.py", "exercise_answers.py", "quiz.py"]
    )
    for name in names:
        result = run_script("--list", cwd=REPO_ROOT, script=f"{REPO_ROOT}/lesson3/{name}")
        assert result.returncode == 0 and result.stdout.strip(), (name, result.stderr)
