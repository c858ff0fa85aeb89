"""The scripts behind the figures in README.md and docs/, and the code they share.

Each script runs as ``python benchmarks/NAME.py`` from any directory or as
``python -m benchmarks.NAME`` from the repository root; shared code is imported as
``benchmarks.MODULE``, never as a sibling file, so both ways find the same modules.
"""
