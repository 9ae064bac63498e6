"""Benchmarks: measured figures, never timed assertions in tests. `make bench` runs them."""
