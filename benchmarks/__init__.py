"""Side-by-side benchmarks: each compares atomcomm with a baseline measured in the same run."""
