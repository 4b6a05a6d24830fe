"""Identity: API keys, OIDC tokens, principals and roles."""
