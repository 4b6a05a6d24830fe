"""Evaluating a model through labgate's own API (``labgate eval run``; ``docs/evaluation.md``).

Nothing here is imported by the gateway: the suites are data, and the runner imports Inspect
AI (the ``evals`` extra) only when it runs.
"""
