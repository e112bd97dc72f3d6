"""Benchmarks that drive the running service from outside (load tests)."""
