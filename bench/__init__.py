"""Benchmarks: `python -m bench` runs every module of this package in turn;
each has `main() -> int` and prints its figures (docs/BENCHMARKS.md)."""
