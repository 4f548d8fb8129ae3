"""先预测，再核对 / Predict, then check: pooling, nn.Linear and activations, answered by PyTorch.

    python lesson3/quiz.py                      # 10 道题 / 10 questions
    python lesson3/quiz.py --topic pooling --count 5 --seed 42
    python lesson3/quiz.py --list

Each question's answer is asked of PyTorch when the question is asked, and its worked reason
comes from the window model the explorer uses (beyond_the_article.py --explore). The questions
missed come back once at the end, with new numbers. The same --seed gives the same questions.
"""

import os
import sys

# common_tools.py sits in the repository's top folder, lab/ beside this file: find both
# from any folder (also through a symlink, and under python -I)
LESSON_DIR = os.path.dirname(os.path.realpath(__file__))
sys.path[:0] = [os.path.dirname(LESSON_DIR), LESSON_DIR]

from lesson_cli import begin_command

begin_command(__name__)  # from here on, Ctrl-C and a stop each end the run with one line

from lesson_cli.console import clean_up_at_once, run_command
from lesson_cli.sections import first_line, one_line_argument_parser, whole_number

COUNT_LIMIT, SEED_LIMIT = 100, 2**32 - 1


def explorer_picture(out_dir):
    """--show: a function that draws the explorer's picture of a pooling question's layer, in
    a window where one can open (it stays while the quiz goes on), else into quiz_explore.png."""
    from lesson_cli.figures import prepare_output_dir, save_figure, use_figure_backend

    windows = use_figure_backend(True)
    if not windows:
        prepare_output_dir(out_dir)

    def show(question):
        if question.settings is None:
            return
        from matplotlib import pyplot as plt

        from lab import pool_explorer

        if pool_explorer.drawing_extent(question.settings) > pool_explorer.DRAWING_LIMIT:
            print(
                f"  图太大，不画 / too large to draw (over {pool_explorer.DRAWING_LIMIT} cells a"
                " side): beyond_the_article.py --output-size shows the rule"
            )
            return
        plt.close("all")
        fig, _ = pool_explorer.static_figure(question.settings)
        if windows:
            plt.show(block=False)
            plt.pause(0.1)
        else:
            path, _ = save_figure(fig, out_dir, "quiz_explore")
            print(f"  已保存图片 saved: {path}")
            plt.close(fig)

    return show


def list_kinds():
    from lab import quiz_questions as quiz

    for kind, make in quiz.KINDS.items():
        print(f"{quiz.TOPIC_OF[kind]:<12} {kind:<18} {first_line(make.__doc__) or ''}".rstrip())


def end_with_the_score_on_ctrl_c():
    """Ctrl-C prints the score so far on one line and exits 130, after what every script's
    handler undoes (console.clean_up_at_once: a figure --show was writing). An ignored SIGINT,
    in a job started with &, stays ignored. Its own handler, not lesson_cli's: the line must
    start on a new line, since Ctrl-C comes while the prompt waits mid-line."""
    import signal

    from lab import quiz_questions as quiz

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return

    def interrupted(signum, frame):
        clean_up_at_once()
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        line = f"\n已中断 interrupted · {quiz.SCORE.so_far()}\n"
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        try:
            os.write(2, line.encode(encoding, "replace"))
        except OSError:
            pass
        os._exit(130)

    signal.signal(signal.SIGINT, interrupted)


def main(argv=None):
    import random

    from lesson_cli.figures import DEFAULT_OUT_DIR

    parser = one_line_argument_parser(description=first_line(__doc__))
    parser.add_argument(
        "--topic", choices=("pooling", "linear", "activations"), help="只考一类 / one topic only"
    )
    parser.add_argument(
        "--count",
        type=whole_number(1, COUNT_LIMIT),
        default=10,
        metavar="N",
        help="题数 / how many questions (10)",
    )
    parser.add_argument(
        "--seed",
        type=whole_number(0, SEED_LIMIT),
        metavar="S",
        help="同一个种子出同样的题 / the same seed gives the same questions (default: a new one)",
    )
    parser.add_argument("--list", action="store_true", help="题型 / the kinds of question")
    parser.add_argument(
        "--show",
        action="store_true",
        help="池化题画出探索器的图 / draw the explorer's picture for pooling questions",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="--show 没有显示器时图片存到这里 / where --show saves without a display",
    )
    args = parser.parse_args(argv)
    if args.list:
        list_kinds()
        return 0
    seed = random.SystemRandom().randrange(SEED_LIMIT) if args.seed is None else args.seed
    print(
        f"种子 {seed}：--seed {seed} 再出这些题"
        f" / seed {seed}: --seed {seed} gives these questions again"
    )
    show = explorer_picture(args.out) if args.show else None
    from lab import quiz_questions as quiz

    try:
        quiz.run_quiz(random.Random(seed), args.count, args.topic, show)
    except EOFError:  # piped input ended, or Ctrl-D
        print(f"\n输入结束 / input ended · {quiz.SCORE.so_far()}")
    return 0


if __name__ == "__main__":
    end_with_the_score_on_ctrl_c()  # when run as the program: not in a test's process
    sys.exit(run_command(main))
