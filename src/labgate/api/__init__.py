"""The HTTP layer: OpenAI-compatible routes, admin routes, error mapping and SSE."""
