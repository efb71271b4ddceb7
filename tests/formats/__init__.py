"""Tests of `inspect_mlebench.formats`. A package (unlike the flat tests/ folder) because `test_images.py` exists in
both places, and pytest's default import mode and mypy need distinct module names."""
