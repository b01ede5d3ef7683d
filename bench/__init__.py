"""Benchmarks: run them with `python -m bench.<name>`; results go next to them as Markdown."""
