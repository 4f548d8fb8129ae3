"""The command line the lesson scripts share: one package, a module per concern.

- ``console``: one-line errors, the console's encoding, Ctrl-C, and ``run_command``, which a
  script's ``if __name__ == "__main__"`` calls; nothing here changes a process until then.
- ``sections``: a table of sections becomes the flags: ``--list``, ``--image``, ``--out``,
  ``--show``.
- ``images``: loading ``--image`` as 8-bit RGB, with one-line errors.
- ``figures``: the ``--out`` folder, matplotlib's backend, saving and showing figures.
- ``environment``: the installed packages, checked against requirements.txt.

Every module imports torch, PIL and matplotlib inside the functions that use them, so that
``--help`` and ``--list`` answer without loading them.
"""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The lesson scripts in lesson3/, in the order the READMEs list them: the gallery, the notebooks,
# the benchmark and the tests all go through this one list.
LESSON_SCRIPTS = (
    "nn_layers_others",
    "beyond_the_article",
    "beyond_activations",
    "claims_pooling",
    "claims_pooling_parameters",
    "claims_linear_activations",
)
