"""Benchmarks: ``python -m bench`` (``make bench``) runs ``run()`` of every module in this package.

Each area adds its own module (e.g. ``bench/report.py``). A bench informs, it never fails the build:
every line states its goal and OK/FAIL, and the command exits 0.
"""
