"""Disabling an account revokes its keys; enabling it again restores none.

The insider's path: with leo's stolen key an attacker mints a second key of leo's (a key
belongs to its holder, and the holder's credential may mint one). The lab administrator
disables leo; before, that stopped the keys only while leo stayed disabled, and enabling leo
again brought back every key, the attacker's among them. Now the disable revokes them in the
same transaction, the audit entry and the answer name them, and re-enabling restores none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from labgate.identity.keys import KeyRepository
from labgate.store.engine import make_sessionmaker
from labgate.store.tenancy import ApiKey, User
from tests.tenancy.test_admin_cli import Cli, _with_engine, cli  # noqa: F401
from tests.tenancy.test_separation import Env, env  # noqa: F401 (the labelled world)

pytestmark = pytest.mark.store


async def test_keys_minted_before_a_disable_do_not_work_after_re_enable(env: Env) -> None:  # noqa: F811
    async with env.client("leo") as stolen:
        minted = await stolen.post("/v1/admin/keys", json={"name": "mine now"})
        assert minted.status_code == 201, minted.text
        attacker_key = minted.json()["key"]
    async with env.client(attacker_key) as attacker:
        assert (await attacker.get("/v1/admin/whoami")).status_code == 200
    async with env.client("olga") as olga:  # leo's lab admin
        off = await olga.patch(f"/v1/admin/users/{env.ids['leo']}", json={"disabled": True})
        assert off.status_code == 200, off.text
        revoked = off.json()["revoked_keys"]
        on = await olga.patch(f"/v1/admin/users/{env.ids['leo']}", json={"disabled": False})
        assert on.status_code == 200 and on.json()["disabled"] is False
    async with env.services.sessions() as s:
        keys = (await s.scalars(select(ApiKey).where(ApiKey.user_id == env.ids["leo"]))).all()
    assert sorted(k.id for k in keys) == sorted(revoked) and len(revoked) == 2
    assert all(k.revoked_at is not None for k in keys)
    for key in (attacker_key, env.keys["leo"]):
        async with env.client(key) as c:
            r = await c.get("/v1/admin/whoami")
            assert r.status_code == 401 and r.json()["error"]["code"] == "revoked_api_key"
    [entry] = [
        a
        for a in await env.admin_actions()
        if a["action"] == "user.update" and a["details"]["changed"].get("disabled")
    ]
    assert sorted(entry["details"]["changed"]["revoked_keys"]) == sorted(revoked)


async def test_the_cli_says_which_keys_a_disable_revoked(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    await cli("labs", "create", "ornl")
    await cli("users", "create", "alice", "--lab", "ornl")
    await cli("projects", "create", "CHM1", "--lab", "ornl")
    await cli("members", "add", "CHM1", "ornl/alice")

    async def mint(engine: object) -> str:
        sessions = make_sessionmaker(engine)  # type: ignore[arg-type]
        async with sessions() as s:
            alice = (await s.execute(select(User).where(User.username == "alice"))).scalar_one()
        _, row = await KeyRepository(sessions).create(alice.id, "CHM1")
        return row.id

    key_id = await _with_engine(cli.database_url, mint)
    out = (await cli("users", "update", "ornl/alice", "--disable")).stdout
    assert f"revoked 1 key(s) of the account: {key_id}" in out
    assert "enabling it again restores none" in out
    out = (await cli("users", "update", "ornl/alice", "--enable")).stdout
    assert "revoked" not in out
