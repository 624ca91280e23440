"""Benchmark suite at national scale (issue 5): `python -m benchmarks.run --help`."""
