"""`python -m inspect_mlebench.cli ...`: how the validator image and the supervised server start the command line."""

from inspect_mlebench.cli import main

main()
