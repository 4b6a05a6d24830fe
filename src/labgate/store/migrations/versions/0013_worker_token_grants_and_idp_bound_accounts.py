"""worker token grants and IdP-bound accounts

Worker tokens get an id (for listings and revocation; existing tokens take the first 16 hex
digits of their hash), the highest label a worker registered with them may process
(``max_label``), who issued them, and a lifetime counted from their first registration
(``ttl_s``, ``first_used_at``). Tokens that never expired now expire seven days after this
upgrade: issue new ones (``labgate admin worker-token create``) for workers started by hand.

Accounts created from an identity provider's token no longer keep what that token said:
earlier versions stored the raw ``clearance`` claim and the roles mapped from the IdP's groups
on the account at first sign-in, and used them later when the token said nothing. Both are
cleared here (fail closed): an OIDC request takes its clearance and IdP roles from each token;
roles granted inside labgate to such accounts must be granted again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 02:10:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LEGACY_TOKEN_GRACE = timedelta(days=7)


def upgrade() -> None:
    with op.batch_alter_table("worker_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("max_label", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("issued_by", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("ttl_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE worker_tokens SET id = substr(token_hash, 1, 16)"))
    tokens = sa.table(
        "worker_tokens",
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    bind.execute(
        tokens.update()
        .where(tokens.c.expires_at.is_(None), tokens.c.revoked_at.is_(None))
        .values(expires_at=datetime.now(UTC) + LEGACY_TOKEN_GRACE)
    )
    with op.batch_alter_table("worker_tokens", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index("ix_worker_tokens_id", ["id"], unique=True)
        batch_op.create_index("ix_worker_tokens_job_id", ["job_id"], unique=False)

    users = sa.table(
        "users",
        sa.column("roles", sa.JSON()),
        sa.column("clearance", sa.String(length=256)),
        sa.column("oidc_subject", sa.String(length=512)),
    )
    bind.execute(
        users.update().where(users.c.oidc_subject.is_not(None)).values(roles=[], clearance=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("worker_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_worker_tokens_job_id")
        batch_op.drop_index("ix_worker_tokens_id")
        batch_op.drop_column("first_used_at")
        batch_op.drop_column("ttl_s")
        batch_op.drop_column("issued_by")
        batch_op.drop_column("max_label")
        batch_op.drop_column("id")
