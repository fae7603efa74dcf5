"""Differential fuzzing of tecomp: random programs and schedules against numpy.

Run a long campaign with ``python -m tests.fuzz --cases 10000 --seed 1``; the CI
sample is ``tests/fuzz/test_fuzz.py``. See ``tests/fuzz/README.md``.
"""
