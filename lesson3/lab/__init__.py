"""实验室 / The lab the lesson scripts measure and draw with: nothing here runs on its own.

Each module's first line names the script that uses it:

- ``pool_windows``: the one model of pooling windows, one rule per axis (output size, padding,
  dilation, ceil_mode, each average's divisor, adaptive windows, the backward pass,
  MaxUnpool's size), checked against PyTorch by the tests;
- ``pool_explorer`` and ``pool_animations``: the explorer and the GIFs, drawn from that model;
- ``plots``: the figures the article has no code for;
- ``activation_notes``: the activations' formulas, float32 saturation and the article's errata;
- ``verdicts``: how a claim and its verdict are printed, the seeds, the optimizer;
- ``quiz_questions``: the quiz's kinds of question, each answered by PyTorch when asked.

The scripts one folder up import it as ``from lab import plots``.
"""
