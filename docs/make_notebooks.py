"""Generate the notebook edition (lesson3/*.ipynb) from the lesson3 scripts, with outputs saved.

Each section of a script becomes a markdown cell (the article's heading, what the section shows,
links) and code cells with the section's own code as a learner would type it: the helpers it
calls, defined in cells before it, then its body. The notebooks are never edited by hand; tests
check that the committed ones are what this makes from today's scripts.

    python docs/make_notebooks.py [--no-execute] [--only NAME] [--dest DIR] [--run-in DIR]
"""

import ast
import importlib.util
import os
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli import LESSON_SCRIPTS, REPO_ROOT
from lesson_cli.console import (
    InputError,
    cleanup_on_signal,
    kill_and_reap,
    replace_atomically,
    run_command,
)
from lesson_cli.figures import prepare_output_dir
from lesson_cli.sections import first_line, one_line_argument_parser

LESSON_DIR = os.path.join(REPO_ROOT, "lesson3")
# every lesson script has its notebook, and so has the quiz (quiz_notebook: it asks, so its cells
# are its own, not a script's sections)
NOTEBOOKS = (*LESSON_SCRIPTS, "quiz")
ARTICLE_URL = (
    "https://pytorch.zhangxiann.com/3-mo-xing-gou-jian/"
    "3.3-chi-hua-ceng-xian-xing-ceng-he-ji-huo-han-shu-ceng"
)
FIGURE_DPI = 72  # inline figures at 72 dpi keep every notebook well under 2 MB

SETUP = """\
# 找到仓库根目录：Jupyter 在仓库根目录或 lesson3/ 里打开都可以
# find the repository's root, whether Jupyter was opened there or in lesson3/
import os
import sys

root = os.getcwd()
while not os.path.isdir(os.path.join(root, "lesson_cli")) and os.path.dirname(root) != root:
    root = os.path.dirname(root)
sys.path[:0] = [root, os.path.join(root, "lesson3")]

%config InlineBackend.figure_formats = ["png"]
%config InlineBackend.rc = {{"figure.dpi": {dpi}}}
%matplotlib inline
from matplotlib import pyplot as plt
"""


# Cells a notebook has beyond its script: the explorer's controls, as ipywidgets where installed
# (requirements-notebooks.txt); the saved notebook keeps no widget state (see execute()).
EXTRA_CELLS = {
    ("beyond_the_article", "explore"): (
        "# 拖动控件 / the explorer's controls (ipywidgets, from requirements-notebooks.txt)\n"
        "from lab import pool_explorer\n\n"
        "pool_explorer.interact_in_notebook()"
    ),
}

# How a notebook shows a section's animations: as GIF images (plt.show() would show empty axes).
SHOW_ANIMATIONS = "from lab.pool_animations import show_in_notebook\n\nshow_in_notebook(made)"

# The line that stands where the article has plt.show(): the command line saves and shows.
SHOW_NOTE = "# plt.show(): the command line saves the figure to --out, then shows it where it can"


def load(name):
    path = os.path.join(LESSON_DIR, name + ".py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(path, encoding="utf-8") as file:
        source = file.read()
    return module, source


def top_level_definitions(tree):
    """{name: node} for the functions, constants and records (namedtuples) a script defines at
    its top level."""
    definitions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            definitions[node.name] = node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            for name in names:
                if isinstance(name, ast.Name) and name.id[:1].isupper():  # CONSTANT, Record
                    definitions[name.id] = node
    return definitions


def names_used(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def helpers_of(function, definitions, skip):
    """The script's own functions and constants ``function`` needs, transitively, in the order
    they appear in the script; those in ``skip`` are already defined in an earlier cell."""
    needed, todo = set(), [function]
    while todo:
        for name in names_used(todo.pop()) & set(definitions):
            if name not in needed and name not in skip and definitions[name] is not function:
                needed.add(name)
                todo.append(definitions[name])
    return sorted(needed, key=lambda name: definitions[name].lineno)


def imports_used(tree, used):
    """The script's top-level imports, each keeping only the names the notebook's cells use
    (the command-line machinery the scripts import is not needed there)."""
    lines = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if names:
                node = (
                    ast.ImportFrom(node.module, names, node.level)
                    if isinstance(node, ast.ImportFrom)
                    else ast.Import(names)
                )
                lines.append(ast.unparse(node))
    return "\n".join(lines) + "\n"


def body_as_typed(function, source):
    """The function's body without its docstring, dedented; None when the body returns early or
    takes options of its own (then the cell defines the function and calls it)."""
    if [arg.arg for arg in function.args.args] not in ([], ["img"]) or function.args.kwarg:
        return None
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if any(isinstance(n, ast.Return) for n in ast.walk(function)):
        return None
    lines = source.splitlines()
    start = body[0].lineno - 1
    # keep the comments just above the first statement
    while start > function.body[0].end_lineno and lines[start - 1].strip().startswith("#"):
        start -= 1
    return textwrap.dedent("\n".join(lines[start : body[-1].end_lineno])).rstrip()


def markdown_for(section, function, script_name):
    """The section's heading, what it shows (its docstring after the first line), and links."""
    doc = ast.get_docstring(function) or ""
    what = doc.partition("\n")[2].strip()
    lines = [f"## {section.heading}", ""]
    if what:
        lines += ["\n".join(line.strip() for line in what.splitlines()), ""]
    command = f"python lesson3/{script_name}.py --{section.flag}"
    lines += [
        f"文章 / article: [3.3 池化层、线性层和激活函数层]({ARTICLE_URL}) · "
        f"命令行 / command line: `{command}`"
    ]
    if section.figures:
        from lesson_cli.figures import file_name

        lines += ["", "图片 / figures: " + ", ".join(f"`{file_name(f)}`" for f in section.figures)]
    return "\n".join(lines)


SAMPLE_SEED = 2026  # the quiz notebook's sample question: the same one in every saved copy


def quiz_notebook():
    """The quiz's notebook: a sample question with its feedback (what the saved notebook shows
    as text), then the quiz with ipywidgets (or the note and the command line's form)."""
    import nbformat.v4 as nbf

    _, source = load("quiz")
    title = (ast.get_docstring(ast.parse(source)) or "quiz").partition("\n")[0]
    intro = (
        f"# {title}\n\n"
        "本笔记本由 `docs/make_notebooks.py` 生成，请勿手工修改 / generated by"
        " `docs/make_notebooks.py`: don't edit by hand.\n\n"
        "每道题先写下你的预测，再看 PyTorch 的答案；命令行版 / the command line:"
        " `python lesson3/quiz.py`"
    )
    sample = (
        "import random\n\n"
        "from lab import quiz_questions as quiz\n\n"
        "# 一道例题，以及答对时的反馈 / a sample question, and what a right answer gets back\n"
        f'sample = quiz.make("average-cell", random.Random({SAMPLE_SEED}))\n'
        "right = quiz.ask(sample, 1, 1, read=lambda prompt: quiz.shown(sample.answer, sample.form))"
    )
    play = (
        "# 10 道题；同一个 seed 出同样的题 / 10 questions; the same seed gives the same ones\n"
        "quiz.play_in_notebook(count=10, topic=None, seed=None)"
    )
    cells = [
        nbf.new_markdown_cell(intro),
        nbf.new_code_cell(SETUP.format(dpi=FIGURE_DPI).rstrip()),
        nbf.new_markdown_cell("## 一道例题 / a sample question"),
        nbf.new_code_cell(sample),
        nbf.new_markdown_cell(
            "## 做题 / the quiz\n\n"
            "在文本框里写答案，点“检查 / check”，再点“下一题 / next”；"
            "答错的题最后会换新的数再考一次 / type your answer, press check, then next; the"
            " kinds you missed come back once"
            ' with new numbers. `topic`: `"pooling"`, `"linear"` or `"activations"`.'
        ),
        nbf.new_code_cell(play),
    ]
    return as_notebook(cells)


def build(name):
    """The notebook of lesson3/<name>.py, not yet executed."""
    import nbformat.v4 as nbf

    if name == "quiz":
        return quiz_notebook()

    module, source = load(name)
    tree = ast.parse(source)
    definitions = top_level_definitions(tree)
    title, _, about = (ast.get_docstring(tree) or name).partition("\n\n")
    about = about.partition("\n\n")[0]  # the paragraph under the title, unless it is code
    about = "" if about[:1].isspace() else about.replace("\n", " ") + "\n\n"
    intro = (
        f"# {title}\n\n{about}"
        f"本笔记本由 `docs/make_notebooks.py` 从 `lesson3/{name}.py` 生成，请勿手工修改 / "
        f"generated from `lesson3/{name}.py` by `docs/make_notebooks.py`: don't edit by hand.\n\n"
        f"文章 / article: [3.3 池化层、线性层和激活函数层]({ARTICLE_URL})\n\n"
        "从上到下运行即可（Run All）；每一节也可以在命令行单独运行 / run top to bottom; each "
        "section also runs alone from the command line."
    )
    cells = []
    defined = set()
    for section in module.SECTIONS:
        function = definitions[section.run.__name__]
        cells.append(nbf.new_markdown_cell(markdown_for(section, function, name)))
        for helper in helpers_of(function, definitions, defined):
            defined.add(helper)
            cells.append(nbf.new_code_cell(ast.get_source_segment(source, definitions[helper])))
        body = body_as_typed(function, source)
        if body is None:
            call = f"{function.name}(img)" if section.uses_image else f"{function.name}()"
            if any(figure.endswith(".gif") for figure in section.figures):
                call = "made = " + call  # its animations, for the command line to save
            defined.add(function.name)
            body = ast.get_source_segment(source, function) + f"\n\n\n{call}"
        if any(figure.endswith(".gif") for figure in section.figures):
            body += f"\n{SHOW_ANIMATIONS}"
        elif section.figures:  # in a notebook, plt.show() draws them inline, as in the article
            if SHOW_NOTE in body:
                body = body.replace(SHOW_NOTE, "plt.show()")
            else:
                body += "\nplt.show()"
        cells.append(nbf.new_code_cell(body))
        if (name, section.flag) in EXTRA_CELLS:
            cells.append(nbf.new_code_cell(EXTRA_CELLS[(name, section.flag)]))
    used = set().union(*(names_used(ast.parse(c.source)) for c in cells if c.cell_type == "code"))
    setup = SETUP.format(dpi=FIGURE_DPI) + "\n" + imports_used(tree, used)
    if any(section.uses_image for section in module.SECTIONS):
        setup += (
            "\nfrom lesson_cli.images import SAMPLE_IMAGE, load_image\n\n"
            "img = load_image(SAMPLE_IMAGE)  # imgs/astronaut.png, 512×512 RGB\n"
        )
    cells[:0] = [nbf.new_markdown_cell(intro), nbf.new_code_cell(setup.rstrip())]
    return as_notebook(cells)


def as_notebook(cells):
    """The notebook of ``cells``, with fixed cell ids and our metadata."""
    import nbformat.v4 as nbf

    for number, cell in enumerate(cells):  # fixed ids: a regenerated notebook diffs cleanly
        cell["id"] = f"cell-{number:03d}"
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.metadata["lesson3"] = {}  # made here (made_here); execute() adds the torch version
    return notebook


def execute(notebook, folder=LESSON_DIR):
    """Run every cell in a fresh kernel started in ``folder``, as Jupyter opened there would."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    env_backend = os.environ.pop("MPLBACKEND", None)  # the notebook uses the inline backend
    try:
        client = NotebookClient(notebook, timeout=600, resources={"metadata": {"path": folder}})
        # the kernel's own stderr (a warning about TCP at every start) is not the learner's
        # business: a failed cell is reported from the notebook's outputs below
        in_a_thread(lambda: client.execute(stderr=subprocess.DEVNULL), stop=lambda: stop(client))
    except CellExecutionError as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        raise InputError(f"a cell failed: {lines[-1] if lines else error}") from None
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    for cell in notebook.cells:  # timestamps would change the file on every run
        cell.get("metadata", {}).pop("execution", None)
        # a widget without its saved state breaks GitHub's renderer: keep what is static
        for output in cell.get("outputs", []):
            output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    notebook.metadata.pop("widgets", None)
    import torch

    # the saved outputs are what this torch printed; tests compare them only under the same one
    notebook.metadata["lesson3"] = {"outputs_made_with_torch": torch.__version__.split("+")[0]}
    return notebook


def in_a_thread(work, stop):
    """Run ``work()`` in a thread and wait for it. nbclient puts its own SIGINT and SIGTERM
    handlers in place of the command's when it runs in the main thread (a Ctrl-C then ended in
    an AssertionError traceback, and the handlers it restores are Python's, not ours); outside
    it, it leaves them. A signal that ends the command calls ``stop()`` first."""
    import threading

    outcome = []

    def run():
        try:
            work()
        except BaseException as error:  # handed to the main thread, which raises it
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    with cleanup_on_signal(stop):
        worker.start()
        while worker.is_alive():
            worker.join(timeout=0.1)  # the main thread runs the signal handlers meanwhile
    if outcome:
        raise outcome[0]


def stop(client):
    """Kill the kernel ``client`` started, if it has one: the command is ending."""
    process = getattr(getattr(getattr(client, "km", None), "provisioner", None), "process", None)
    if process is not None:
        kill_and_reap(process)


def main(argv=None):
    parser = one_line_argument_parser(description=first_line(__doc__))
    parser.add_argument("--no-execute", action="store_true", help="write the cells without outputs")
    parser.add_argument("--only", choices=NOTEBOOKS, help="one notebook (default: all)")
    parser.add_argument("--dest", default=LESSON_DIR, help="default: lesson3/")
    parser.add_argument(
        "--run-in", default=LESSON_DIR, help="the kernel's folder (default: lesson3/)"
    )
    args = parser.parse_args(argv)

    prepare_output_dir(args.dest, option="--dest")
    if not os.path.isdir(args.run_in):
        parser.error(f"--run-in is not a folder: {args.run_in}")
    for name in [args.only] if args.only else NOTEBOOKS:
        notebook = build(name)
        if not args.no_execute:
            execute(notebook, args.run_in)
        path = write_atomically(notebook, os.path.join(args.dest, name + ".ipynb"))
        print(f"{path}  ({os.path.getsize(path) // 1024} KB)")
    return 0


def write_atomically(notebook, path):
    """Write ``notebook`` beside ``path``, then rename it over ``path``: a full disk or a Ctrl-C
    leaves the old notebook whole, and a notebook this generator did not make (a learner's
    own, in another --dest) is never replaced."""
    import nbformat

    def write(tmp_path):
        with open(tmp_path, "w", encoding="utf-8") as file:
            nbformat.write(notebook, file)

    ours = os.path.realpath(os.path.dirname(path)) == os.path.realpath(LESSON_DIR)
    replace_atomically(path, write, may_replace=lambda old: ours or made_here(old))
    return path


NOTEBOOK_BYTES = 16 * 1024 * 1024  # the largest notebook read to see whether we made it


def made_here(path):
    """Whether ``path`` is a notebook this generator wrote (its metadata has "lesson3"): a
    regular file, read up to NOTEBOOK_BYTES."""
    import json
    import stat

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as file:
            return "lesson3" in json.loads(file.read(NOTEBOOK_BYTES))["metadata"]
    except Exception:  # unreadable, not JSON, not a notebook: not ours
        return False


if __name__ == "__main__":
    sys.exit(run_command(main))
