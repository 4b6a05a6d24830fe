"""Test doubles (clearly not the real thing) shared by tests and benchmarks."""
