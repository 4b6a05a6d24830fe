"""Routing over worker replicas: health, circuit breakers, retries and registration."""
