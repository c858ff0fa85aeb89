"""Benchmark tasks: each one is data plus a metric."""
