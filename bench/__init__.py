"""Side-by-side benchmarks of Weir against Dagster 1.13: `python -m bench.run` (see README, Benchmarks)."""
