"""The request path: from a validated request to a worker's answer and back."""
