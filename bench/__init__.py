"""Benchmarks: `python -m bench` (the whole service, figures in bench/results.md) and
`python -m bench.correlation` (correlation alone, figures in bench/correlation.md)."""
