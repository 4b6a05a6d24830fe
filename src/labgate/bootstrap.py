"""First start on an empty data directory: the schema, and an administrator who can log in.

The administrator's API key is printed once and written to ``<data-dir>/admin.key`` with mode
0600; labgate itself keeps only its hash. Later starts find the administrator and do nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from labgate.identity.keys import KeyRepository, new_id, utcnow
from labgate.identity.principal import Role
from labgate.store.tenancy import Lab, Project, ProjectMember, User

ADMIN_KEY_FILE = "admin.key"
DEFAULT_LAB = "default"
DEFAULT_PROJECT = "default"


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    created: bool
    admin_key: str | None
    key_file: Path


def write_secret_file(path: Path, content: str) -> None:
    """Write ``content`` to a file only its owner can read, without a moment of wider access."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content.encode())
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


async def ensure_admin(
    sessions: async_sessionmaker[AsyncSession], data_dir: Path
) -> BootstrapResult:
    key_file = data_dir / ADMIN_KEY_FILE
    async with sessions() as s:
        existing = (await s.execute(select(User.id).where(User.username == "admin"))).first()
    if existing is not None:
        return BootstrapResult(False, None, key_file)
    now = utcnow()
    admin_id = new_id()
    async with sessions.begin() as s:
        if await s.get(Lab, DEFAULT_LAB) is None:
            s.add(Lab(id=DEFAULT_LAB, name="Default lab", created_at=now))
        await s.flush()
        s.add(
            User(
                id=admin_id,
                lab_id=DEFAULT_LAB,
                username="admin",
                roles=[Role.PLATFORM_ADMIN.value, Role.USER.value],
                created_at=now,
            )
        )
        await s.flush()
        if await s.get(Project, DEFAULT_PROJECT) is None:
            s.add(
                Project(
                    id=DEFAULT_PROJECT,
                    lab_id=DEFAULT_LAB,
                    name="Default project",
                    lead_user_id=admin_id,
                    created_at=now,
                )
            )
        await s.flush()
        s.add(ProjectMember(project_id=DEFAULT_PROJECT, user_id=admin_id, role="lead"))
    key, _ = await KeyRepository(sessions).create(admin_id, DEFAULT_PROJECT, name="bootstrap admin")
    write_secret_file(key_file, key + "\n")
    return BootstrapResult(True, key, key_file)


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the schema to the latest migration."""
    from labgate.store.migrate import upgrade

    await upgrade(engine)
