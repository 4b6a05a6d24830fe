"""Alembic environment: runs on the connection labgate hands it (see labgate.store.migrate)."""

from __future__ import annotations

from alembic import context

from labgate.store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - labgate always passes one
    raise RuntimeError("run migrations through 'labgate db upgrade'")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
