"""Tests of labgate.quota: budgets, rate limits and revocation fan-out."""
