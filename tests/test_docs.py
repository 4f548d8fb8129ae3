"""The docs: the gallery command regenerates every figure the READMEs show (not pixel for pixel),
and every test the errata table names exists."""

import ast
import os
import re
import sys

import pytest
from conftest import (
    ANOTHER_MACHINE,
    LESSON_SCRIPTS,
    REPO_ROOT,
    assert_one_line_error,
    background_result,
    load_module,
    load_script,
    run_raw,
    run_script,
)
from PIL import Image

from lesson_cli.console import InputError, run_cli


def test_make_gallery_writes_a_light_png_for_every_figure(tmp_path):
    # the figures every section saved when it ran (conftest.SectionRuns), in one folder
    import shutil

    figures = tmp_path / "figures"
    figures.mkdir()
    for command in ANOTHER_MACHINE:
        code, _, stderr, runs = background_result(command)
        assert code == 0, stderr
        for folder, _, names in os.walk(runs):
            if os.path.basename(folder) == "figures":
                for name in names:
                    shutil.copy(os.path.join(folder, name), figures / name)
    gallery = load_module(os.path.join(REPO_ROOT, "docs", "make_gallery.py"))
    dest = tmp_path / "gallery"
    assert run_cli(gallery.main, ["--figures", str(figures), "--dest", str(dest)]) == 0
    made = sorted(p.name for p in dest.iterdir())
    assert made == sorted(os.listdir(os.path.join(REPO_ROOT, "docs", "figures")))
    for name in made:
        with Image.open(dest / name) as picture:
            if name.endswith(".gif"):  # the animations as they are: frames 800 px and wider
                assert picture.width >= 800 and (dest / name).stat().st_size <= 300_000
                continue
            assert picture.width <= 800 and picture.mode == "P"
        assert (dest / name).stat().st_size < 200_000


def test_the_gallery_shows_every_figure_and_the_readme_links_it():
    figures = set(os.listdir(os.path.join(REPO_ROOT, "docs", "figures")))
    shown = set(re.findall(r"docs/figures/([\w.]+\.(?:png|gif))", read("lesson3", "README.md")))
    assert shown == figures
    assert "(lesson3/README.md#图片一览--figure-gallery)" in read("README.md")


MARKDOWN = ["README.md", "CONTRIBUTING.md", "lesson3/README.md", "lesson3/exercises.md"]
MARKDOWN += ["benchmarks/README.md", "imgs/README.md"]


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation but hyphens dropped, each space
    a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("path", MARKDOWN)
def test_every_relative_link_in_the_docs_leads_to_a_file_and_heading_that_exist(path):
    folder = os.path.dirname(os.path.join(REPO_ROOT, path))
    for target, anchor in re.findall(r"\]\((?!https?:)([^)#\s]*)(?:#([^)\s]*))?\)", read(path)):
        linked = os.path.normpath(os.path.join(folder, target)) if target else None
        assert linked is None or os.path.exists(linked), (path, target)
        if anchor:
            with open(linked or os.path.join(REPO_ROOT, path), encoding="utf-8") as file:
                headings = re.findall(r"^#+ (.+)$", file.read(), re.MULTILINE)
            assert anchor in {github_anchor(h) for h in headings}, (path, target, anchor)


@pytest.mark.parametrize("path", MARKDOWN)
def test_every_markdown_table_row_has_its_headers_columns(path):
    # GitHub splits a row at every | not escaped as \|, inside backticks too
    def cells(line):
        return len(re.findall(r"(?<!\\)\|", line)) - 1

    header = None  # the cells of the current table's header; None between tables
    for line in read(path).splitlines():
        if not line.startswith("|"):
            header = None
            continue
        header = cells(line) if header is None else header
        assert cells(line) == header, (path, line[:80])


def test_every_errata_test_named_in_lesson3_readme_exists():
    with open(os.path.join(REPO_ROOT, "lesson3", "README.md"), encoding="utf-8") as readme:
        named = set(re.findall(r"(tests/test_\w+\.py)::(test_\w+)", readme.read()))
    assert len(named) >= 20
    for path, name in sorted(named):
        with open(os.path.join(REPO_ROOT, path), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{path}::{name}"


@pytest.mark.slow  # run_scripts starts the failing script as a command
def test_make_gallery_runs_each_script_and_refuses_jobs_it_cannot_use(tmp_path, capsys):
    gallery = load_module(os.path.join(REPO_ROOT, "docs", "make_gallery.py"))
    scripts = len(LESSON_SCRIPTS)
    for jobs in ("0", "-1", str(scripts + 1)):
        assert run_cli(gallery.main, ["--jobs", jobs, "--dest", str(tmp_path)]) == 2
        assert f"--jobs must be from 1 to {scripts}" in capsys.readouterr().err
    failing = tmp_path / "failing.py"
    failing.write_text("import sys; sys.exit(3)\n")
    slow = tmp_path / "slow.py"  # still running when the other fails: it is stopped, not left
    slow.write_text(
        "import pathlib, sys, time; time.sleep(20); pathlib.Path(sys.argv[0] + '.ran').touch()\n"
    )
    gallery.SCRIPTS = [str(slow), str(failing)]  # what run_scripts reports when a script fails
    with pytest.raises(InputError, match="failing.py failed with exit code 3"):
        gallery.run_scripts(str(tmp_path), 2)
    assert not (tmp_path / "slow.py.ran").exists()


# ---------------------------------------------------------------- the generators' own bad input

GALLERY = os.path.join(REPO_ROOT, "docs", "make_gallery.py")
NOTEBOOKS = os.path.join(REPO_ROOT, "docs", "make_notebooks.py")


@pytest.mark.skipif(sys.platform == "win32", reason="resource limits and process groups: POSIX")
def test_a_full_disk_leaves_the_old_notebook_whole(tmp_path):
    old = tmp_path / "claims_pooling_parameters.ipynb"
    old.write_text("the notebook as it was")
    limit = (
        "import resource, runpy, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # `ulimit -f 4`\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = run_raw(
        "--no-execute",
        "--only",
        "claims_pooling_parameters",
        "--dest",
        str(tmp_path),
        cwd=tmp_path,
        script=NOTEBOOKS,
        python=("-c", limit),
    )
    assert result.returncode == 1
    (line,) = result.stderr.decode().splitlines()
    assert "File too large: the file-size limit is 4096 bytes (ulimit -f)" in line
    assert old.read_text() == "the notebook as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == [old.name]  # no hidden leftover


def test_the_gallery_takes_and_replaces_only_figures_the_scripts_drew(tmp_path, capsys):
    from matplotlib import pyplot as plt

    from lesson_cli.figures import FIGURE_MARK, save_figure

    gallery = load_module(GALLERY)
    figures, dest = tmp_path / "figures", tmp_path / "dest"
    figures.mkdir()
    dest.mkdir()
    save_figure(plt.figure(figsize=(2, 1)), str(figures), "maxpool")
    plt.close("all")
    Image.new("P", (4, 4)).save(figures / "ceil_mode.gif", comment=FIGURE_MARK[1])
    Image.new("RGB", (4, 4)).save(figures / "holiday_photo.png")  # a learner's, not a figure
    gallery.write_light_copies(str(figures), str(dest))
    assert sorted(os.listdir(dest)) == ["ceil_mode.gif", "maxpool.png"]
    assert "skipped holiday_photo.png" in capsys.readouterr().out
    gallery.write_light_copies(str(figures), str(dest))  # its light copies are marked: replaced
    (dest / "maxpool.png").write_bytes(b"my own maxpool.png")
    with pytest.raises(InputError, match="was not written by these scripts"):
        gallery.write_light_copies(str(figures), str(dest))
    assert (dest / "maxpool.png").read_bytes() == b"my own maxpool.png"
    assert sorted(os.listdir(dest)) == ["ceil_mode.gif", "maxpool.png"]  # no hidden leftover


def test_make_notebooks_never_replaces_a_notebook_it_did_not_make(tmp_path):
    mine = tmp_path / "claims_pooling_parameters.ipynb"
    mine.write_text("my own notes")
    args = ("--no-execute", "--only", "claims_pooling_parameters", "--dest", str(tmp_path))
    result = run_script(*args, cwd=tmp_path, script=NOTEBOOKS)
    assert_one_line_error(result, "was not written by these scripts")
    assert mine.read_text() == "my own notes"
    mine.unlink()
    for _ in range(2):  # written new, then replaced: it made that one
        assert run_script(*args, cwd=tmp_path, script=NOTEBOOKS).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name]


@pytest.mark.parametrize("script", [GALLERY, NOTEBOOKS], ids=os.path.basename)
def test_a_dest_that_is_a_file_is_named_dest(tmp_path, script):
    (tmp_path / "notes.txt").write_text("keep")
    result = run_script("--dest", "notes.txt", "--figures", ".", cwd=tmp_path, script=script)
    if script == NOTEBOOKS:  # it has no --figures
        result = run_script("--no-execute", "--dest", "notes.txt", cwd=tmp_path, script=script)
    assert_one_line_error(result, "--dest is a file, not a folder: notes.txt")
    assert (tmp_path / "notes.txt").read_text() == "keep"


@pytest.mark.skipif(sys.platform == "win32", reason="a terminal's Ctrl-C to a process group: POSIX")
def test_ctrl_c_on_the_gallery_stops_its_scripts_and_leaves_no_folder(tmp_path):
    import signal
    import subprocess
    import time

    process = subprocess.Popen(
        [sys.executable, GALLERY, "--dest", str(tmp_path / "gallery")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, as a terminal's foreground job
        env=dict(os.environ, TMPDIR=str(tmp_path), PYTHONIOENCODING="utf-8"),
    )
    time.sleep(2)  # the scripts are running
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    err = process.communicate(timeout=60)[1].decode()
    assert (process.returncode, err) == (130, "已中断 interrupted\n")
    time.sleep(0.5)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("lesson3-gallery-")] == []
    gone = subprocess.run(["pgrep", "-f", f"--out {tmp_path}"], capture_output=True, text=True)
    assert gone.stdout == ""


@pytest.mark.skipif(sys.platform == "win32", reason="a terminal's Ctrl-C to a process group: POSIX")
@pytest.mark.parametrize(
    "signal_name, code, line",
    [("SIGINT", 130, "已中断 interrupted\n"), ("SIGTERM", 143, "已终止 terminated\n")],
)
def test_a_signal_while_a_notebook_runs_is_one_line_and_stops_its_kernel(
    tmp_path, signal_name, code, line
):
    # nbclient put its own handlers in place of ours: an AssertionError traceback, exit 1
    import signal
    import subprocess
    import time

    runtime = tmp_path / "runtime"  # TMPDIR: the kernel's connection file, on its command line
    runtime.mkdir()
    process = subprocess.Popen(
        [sys.executable, NOTEBOOKS, "--only", "claims_pooling_parameters", "--dest", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, as a terminal's foreground job
        env=dict(os.environ, TMPDIR=str(runtime), PYTHONIOENCODING="utf-8"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not kernels_of(runtime):
        time.sleep(0.1)
    assert kernels_of(runtime), "no kernel started"
    os.killpg(process.pid, getattr(signal, signal_name))
    err = process.communicate(timeout=60)[1].decode()
    assert (process.returncode, err) == (code, line)
    time.sleep(0.5)
    assert kernels_of(runtime) == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runtime"]  # no notebook, no leftover


def kernels_of(runtime):
    """The processes whose command line names ``runtime`` (the kernels started there)."""
    import subprocess

    return subprocess.run(["pgrep", "-f", str(runtime)], capture_output=True, text=True).stdout


def read(*path):
    with open(os.path.join(REPO_ROOT, *path), encoding="utf-8") as file:
        return file.read()


def errata_rows():
    errata = read("lesson3", "README.md").split("勘误 / errata")[-1]
    return re.findall(r"^\| (\d+) \|", errata, flags=re.MULTILINE)


WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def test_every_count_the_readmes_state_is_the_count_of_the_things_themselves():
    readme, lesson_readme = read("README.md"), read("lesson3", "README.md")
    exercises = re.findall(r"^### 练习 (\d+) /", read("lesson3", "exercises.md"), re.MULTILINE)
    articles_sections = re.findall(r"^## ", read("lesson3", "exercises.md"), re.MULTILINE)
    # the errata: "文章有 33 处", "The article has 33 statements", rows numbered 1..33
    rows = errata_rows()
    assert rows == [str(n) for n in range(1, len(rows) + 1)]
    assert f"文章有 {len(rows)} 处" in readme
    assert f"The article has {len(rows)} statements" in readme
    # the scripts table: every lesson script, the exercise answers and the quiz, nothing else
    listed = re.findall(r"^\| `lesson3/(\w+)\.py` \|", readme, re.MULTILINE)
    assert listed == [*LESSON_SCRIPTS, "exercise_answers", "quiz"]
    # the notebooks: one per lesson script and the quiz's, none for the exercise answers
    assert sorted(
        n[:-6] for n in os.listdir(os.path.join(REPO_ROOT, "lesson3")) if n.endswith(".ipynb")
    ) == sorted([*LESSON_SCRIPTS, "quiz"])
    # the quiz's kinds of question: as many as the READMEs say
    from lab import quiz_questions

    kinds = len(quiz_questions.KINDS)
    assert f"测验：{kinds} 类题" in readme and f"{kinds} kinds of question" in readme
    assert f"{kinds} 类题" in lesson_readme and f"{kinds} kinds of question" in lesson_readme
    # the exercises: nine, three per article section, one flag each
    assert exercises == [str(n) for n in range(1, len(exercises) + 1)]
    answers = load_module(os.path.join(REPO_ROOT, "lesson3", "exercise_answers.py"))
    assert len(answers.SECTIONS) == len(exercises)
    assert len(exercises) % len(articles_sections) == 0  # as many for each article section
    assert f"{len(exercises)} 道练习" in lesson_readme
    assert f"{WORDS[len(exercises)]} exercises" in lesson_readme
    # the article script's table: one row per section, its flags in order
    table = lesson_readme.split("## nn_layers_others.py")[1].split("\n## ")[0]
    article_flags = re.findall(r"^\| [^|]+ \| `--([\w-]+)` \|", table, re.MULTILINE)
    assert article_flags == [s.flag for s in load_script("nn_layers_others").SECTIONS]
