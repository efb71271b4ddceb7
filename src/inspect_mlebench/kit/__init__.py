"""The competition kit: what competition modules build on (hold-out splits, media copying, synthetic data).

A competition module imports only this package, `inspect_mlebench.formats`, the grading library
(`grading.checks`, `grading.metrics`, `grading.errors`, `grading.leniency`) and `inspect_mlebench.tables`; never
another competition module (tests/kit/test_kit.py enforces it).
"""
