"""Conversations kept server-side: the owner's only, at their high-water mark, never shown
below it, sealed at rest, searchable by title, deletable by the owner."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from labgate.store.tenancy import User
from labgate.web.conversations import WebConversation
from tests.web.conftest import WebGateway

pytestmark = pytest.mark.store

SECRET_TEXT = "neutron yield table for the shielding design"


def _client(gw: WebGateway, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=gw.url, timeout=30, headers={"Authorization": f"Bearer {key}"}
    )


async def _user(gw: WebGateway, name: str, clearance: str) -> tuple[str, str]:
    async with _client(gw, gw.key) as admin:
        me = (await admin.get("/v1/admin/whoami")).json()
        r = await admin.post(
            "/v1/admin/users",
            json={"lab_id": me["lab"], "username": name},
        )
        assert r.status_code == 201, r.text
        user = r.json()
        project = me.get("project") or "default"
        await admin.post(f"/v1/admin/projects/{project}/members", json={"user_id": user["id"]})
    if clearance != "SECRET//NUC":
        # set at the operator's hand (a grant over the API waits for a second administrator)
        async with gw.services.sessions.begin() as session:
            await session.execute(
                update(User).where(User.id == user["id"]).values(clearance=clearance)
            )
    key, _ = await gw.services.keys.create(user["id"], project)
    return user["id"], key


def _body(title: str, label: str | None = None, **msg_label: str) -> dict[str, Any]:
    user: dict[str, Any] = {"role": "user", "content": title + "\n" + SECRET_TEXT}
    answer: dict[str, Any] = {"role": "assistant", "content": "Here is the table."}
    if msg_label:
        answer["labgate_label"] = msg_label["answer"]
    return {"title": title, "label": label, "messages": [user, answer]}


async def test_the_owner_keeps_searches_opens_and_deletes_a_conversation(
    web_gateway: WebGateway,
) -> None:
    async with _client(web_gateway, web_gateway.key) as me:
        a = await me.post("/web/conversations", json=_body("Photon energies"))
        assert a.status_code == 201, a.text
        b = await me.post("/web/conversations", json=_body("Shielding by depth"))
        assert b.status_code == 201
        cid = a.json()["id"]
        assert a.json()["label"] == "CUI"  # at least the deployment's default

        listed = (await me.get("/web/conversations")).json()["data"]
        assert [c["title"] for c in listed] == ["Shielding by depth", "Photon energies"]
        found = (await me.get("/web/conversations", params={"q": "photon"})).json()
        assert [c["id"] for c in found["data"]] == [cid] and found["searched"] == "titles"
        # message texts are not searched, only titles
        assert (await me.get("/web/conversations", params={"q": "neutron"})).json()["data"] == []

        opened = (await me.get(f"/web/conversations/{cid}")).json()
        assert opened["messages"][1]["content"] == "Here is the table."

        more = _body("Photon energies")
        more["messages"].append({"role": "user", "content": "and in eV?"})
        r = await me.put(f"/web/conversations/{cid}", json=more)
        assert r.status_code == 200, r.text
        assert len((await me.get(f"/web/conversations/{cid}")).json()["messages"]) == 3

        assert (await me.delete(f"/web/conversations/{cid}")).status_code == 204
        gone = await me.get(f"/web/conversations/{cid}")
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "conversation_not_found"
        assert [c["title"] for c in (await me.get("/web/conversations")).json()["data"]] == [
            "Shielding by depth"
        ]


async def test_another_user_never_sees_opens_changes_or_deletes_it(
    web_gateway: WebGateway,
) -> None:
    _, other_key = await _user(web_gateway, "mallory", "SECRET//NUC")
    async with _client(web_gateway, web_gateway.key) as me:
        cid = (await me.post("/web/conversations", json=_body("Mine"))).json()["id"]
    async with _client(web_gateway, other_key) as other:
        assert (await other.get("/web/conversations")).json()["data"] == []
        for method in ("GET", "DELETE"):
            r = await other.request(method, f"/web/conversations/{cid}")
            assert r.status_code == 404 and r.json()["error"]["code"] == "conversation_not_found"
        r = await other.put(f"/web/conversations/{cid}", json=_body("stolen"))
        assert r.status_code == 404
    async with _client(web_gateway, web_gateway.key) as me:
        assert (await me.get(f"/web/conversations/{cid}")).json()["title"] == "Mine"


async def test_the_label_is_the_high_water_mark_and_never_comes_down(
    web_gateway: WebGateway,
) -> None:
    async with _client(web_gateway, web_gateway.key) as me:
        # the page says UNCLASSIFIED, an answer in it was SECRET//NUC: kept SECRET//NUC
        r = await me.post(
            "/web/conversations", json=_body("t", "UNCLASSIFIED", answer="SECRET//NUC")
        )
        assert r.status_code == 201 and r.json()["label"] == "SECRET//NUC"
        cid = r.json()["id"]
        # saved again without labels: still SECRET//NUC
        r = await me.put(f"/web/conversations/{cid}", json=_body("t"))
        assert r.json()["label"] == "SECRET//NUC"
        bad = await me.post("/web/conversations", json=_body("t", "SECRET//NOPE"))
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_label"


async def test_nothing_above_the_owners_clearance_is_kept_or_shown(
    web_gateway: WebGateway,
) -> None:
    user_id, key = await _user(web_gateway, "carol", "SECRET")
    async with _client(web_gateway, key) as carol:
        r = await carol.post("/web/conversations", json=_body("t", "SECRET//NUC"))
        assert r.status_code == 403 and r.json()["error"]["code"] == "label_clearance"
        r = await carol.post("/web/conversations", json=_body("Secret work", "SECRET"))
        assert r.status_code == 201
        cid = r.json()["id"]
    # her clearance is lowered: the SECRET conversation is no longer listed or opened
    async with _client(web_gateway, web_gateway.key) as admin:
        r = await admin.patch(f"/v1/admin/users/{user_id}", json={"clearance": "CUI"})
        assert r.status_code == 200, r.text
    async with _client(web_gateway, key) as carol:
        assert (await carol.get("/web/conversations")).json()["data"] == []
        assert (await carol.get(f"/web/conversations/{cid}")).status_code == 404


async def test_sealed_at_rest_and_a_relabelled_row_does_not_open(web_gateway: WebGateway) -> None:
    async with _client(web_gateway, web_gateway.key) as me:
        cid = (await me.post("/web/conversations", json=_body("Critical title", "SECRET"))).json()[
            "id"
        ]
    async with web_gateway.services.sessions.begin() as session:
        row = (
            await session.scalars(select(WebConversation).where(WebConversation.id == cid))
        ).one()
        assert b"Critical" not in row.title_sealed and b"neutron" not in row.body_sealed
        assert row.label == "SECRET"
        await session.execute(
            update(WebConversation).where(WebConversation.id == cid).values(label="CUI")
        )
    async with _client(web_gateway, web_gateway.key) as me:
        assert (await me.get("/web/conversations")).json()["data"] == []  # left out
        assert (await me.get(f"/web/conversations/{cid}")).status_code == 404


async def test_bad_input_is_a_clear_error(web_gateway: WebGateway) -> None:
    async with _client(web_gateway, web_gateway.key) as me:
        assert (await me.get("/web/conversations/../etc")).status_code == 404
        r = await me.get("/web/conversations/nothex")
        assert r.status_code in (400, 404) and "error" in r.json()
        r = await me.post("/web/conversations", json={"messages": []})
        assert r.status_code == 400 and "error" in r.json()
        r = await me.post(
            "/web/conversations", content=b"{", headers={"content-type": "application/json"}
        )
        assert r.status_code == 400
    async with httpx.AsyncClient(base_url=web_gateway.url) as anonymous:
        assert (await anonymous.get("/web/conversations")).status_code == 401
