"""The console's views for those who run the service, in Chromium: workers and Slurm jobs,
projects with their allocations and members (a change that needs a second person shown as the
pending request it is, then approved by that person in their own session), and the model
registry. Each view is checked from the inside too: an ordinary scientist's session shows
none of them and asks the API for none of them, and an administrator cleared below the
model's accreditation (SECRET, the model ``fake`` is SECRET//NUC) sees none of its rows."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from labgate.hpc.models import HpcJob
from labgate.identity.keys import new_id
from labgate.store.tenancy import User
from tests.conftest import REPO
from tests.web.conftest import WebGateway
from tests.web.test_accessibility import AUDIT

pytestmark = [pytest.mark.browser, pytest.mark.store]

ADMIN_ROUTES = (
    "/v1/admin/hpc",
    "/v1/admin/workers",
    "/v1/admin/projects",
    "/v1/admin/models",
    "/v1/admin/approvals",
    "/v1/admin/scheduler",
)


def _admin(gw: WebGateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=gw.url, headers={"Authorization": f"Bearer {gw.key}"}, timeout=30
    )


async def _person(
    gw: WebGateway,
    name: str,
    roles: list[str],
    clearance: str | None = None,
    member_role: str = "member",
) -> str:
    """A user of the bootstrap admin's lab with these roles and clearance, and their key
    (roles and clearance set at the operator's hand: over the API a grant waits for a
    second platform administrator)."""
    async with _admin(gw) as admin:
        me = (await admin.get("/v1/admin/whoami")).json()
        r = await admin.post("/v1/admin/users", json={"lab_id": me["lab"], "username": name})
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        await admin.post(
            "/v1/admin/projects/default/members", json={"user_id": user_id, "role": member_role}
        )
    async with gw.services.sessions.begin() as session:
        await session.execute(
            update(User).where(User.id == user_id).values(roles=roles, clearance=clearance)
        )
    key, _ = await gw.services.keys.create(user_id, "default")
    return key


async def _use_key(page: Any, key: str) -> None:
    await page.get_by_label("API key", exact=True).fill(key)
    await page.get_by_label("API key", exact=True).press("Enter")


async def _jobs(gw: WebGateway) -> None:
    """Slurm jobs as the controller records them: of ``fake`` (SECRET//NUC) one serving after
    a 30 s cold start and one that failed; of ``open-model`` (unlisted: the range's
    minimum) one queued."""
    now = time.time()
    rows = [
        HpcJob(
            launch_id="a0000000000000000000000000000001",
            deployment="fake-h100",
            model="fake",
            phase="ready",
            slurm_job_id="4101",
            slurm_state="RUNNING",
            nodes="gpu017",
            worker_id="w-slurm-1",
            time_limit_s=7200,
            submitted_at=now - 300,
            started_at=now - 290,
            ready_at=now - 270,
        ),
        HpcJob(
            launch_id="a0000000000000000000000000000002",
            deployment="fake-h100",
            model="fake",
            phase="ended",
            slurm_job_id="4099",
            slurm_state="FAILED",
            end_state="FAILED",
            time_limit_s=7200,
            submitted_at=now - 900,
            started_at=now - 880,
            ended_at=now - 600,
        ),
        HpcJob(
            launch_id="a0000000000000000000000000000003",
            deployment="open-a100",
            model="open-model",
            phase="queued",
            slurm_job_id="4102",
            slurm_state="PENDING",
            time_limit_s=3600,
            submitted_at=now - 60,
        ),
    ]
    async with gw.services.sessions.begin() as session:
        session.add_all(rows)


async def test_workers_and_slurm_jobs_view_and_who_sees_it(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    await _jobs(gw)
    async with _admin(gw) as c:
        r = await c.post(
            "/v1/chat/completions",
            json={"model": "fake", "messages": [{"role": "user", "content": "hello"}]},
        )
        assert r.status_code == 200
        api = (await c.get("/v1/admin/hpc/jobs")).json()
    fake = next(m for m in api["models"] if m["model"] == "fake")
    assert fake["cold_starts"] == 1 and fake["cold_start_s_max"] == 30.0
    assert fake["failures"] == 1 and fake["phases"] == {"ready": 1, "ended": 1}
    failed = next(j for j in api["data"] if j["slurm_job_id"] == "4099")
    assert failed["failed"] is True and failed["cold_start_s"] is None

    # a platform administrator cleared for the model: every model, worker and job
    await page.goto(gw.url + "/console")
    await _use_key(page, gw.key)
    ops = page.locator("#ops")
    await expect(ops).to_be_visible()
    row = page.locator("#ops-models tbody tr", has_text="fake")
    await expect(row.locator("td").nth(5)).to_have_text("1 ready, 1 ended")
    await expect(row.locator("td").nth(6)).to_have_text("1 (longest 30 s)")
    await expect(row.locator("td").nth(7)).to_have_text("0 requests, 1 jobs")
    await expect(page.locator("#ops-models tbody tr", has_text="open-model")).to_have_count(1)
    await expect(page.locator("#ops-jobs tbody tr")).to_have_count(3)
    job = page.locator("#ops-jobs tbody tr", has_text="4101")
    await expect(job.locator("td").nth(3)).to_have_text("ready")
    await expect(job.locator("td").nth(8)).to_have_text("30 s")
    await expect(
        page.locator("#ops-jobs tbody tr", has_text="4099").locator("td").nth(10)
    ).to_have_text("yes")
    worker = page.locator("#ops-workers tbody tr", has_text="fake")
    await expect(worker).to_have_count(1)
    await expect(worker.locator("td").nth(7)).to_have_text("1")  # the request above
    await ops.screenshot(path=str(REPO / ".data" / "web-console-ops.png"))

    # a lab administrator cleared only to SECRET: no row of the SECRET//NUC model anywhere
    low = await _person(gw, "lowadmin", ["lab_admin"], clearance="SECRET")
    await _use_key(page, low)
    await expect(page.locator("#ops-jobs tbody tr")).to_have_count(1)
    await expect(page.locator("#ops-jobs tbody tr")).to_contain_text("open-model")
    await expect(page.locator("#ops-workers tbody tr")).to_have_count(0)
    await expect(page.locator("#ops-models tbody tr")).to_have_count(1)
    assert "fake" not in await ops.inner_text()

    # an ordinary scientist: none of the operators' views, and none of their routes asked
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    scientist = await _person(gw, "sci", ["user"])
    await _use_key(page, scientist)
    await expect(page.locator("#keys-table table")).to_have_count(1)
    await expect(page.locator("#keys-table")).not_to_contain_text("lowadmin")
    for view in ("#ops", "#projects", "#registry", "#new-key-for"):
        await expect(page.locator(view)).to_be_hidden()
    await page.wait_for_timeout(300)  # every load of the key's views has been sent
    assert [u for u in asked if any(r in u for r in ADMIN_ROUTES)] == []
    assert any("/v1/admin/whoami" in u for u in asked)
    for view in ("ops-jobs", "ops-workers", "projects-table", "registry-table"):
        assert await page.locator(f"#{view}").inner_text() == ""


async def test_projects_allocations_and_members_with_the_two_person_rule(
    web_gateway: WebGateway, page: Any
) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    async with _admin(gw) as c:
        me = (await c.get("/v1/admin/whoami")).json()
        r = await c.post("/v1/admin/labs", json={"id": "lab-b"})
        assert r.status_code == 201, r.text
        r = await c.post("/v1/admin/users", json={"lab_id": "lab-b", "username": "bea"})
        assert r.status_code == 201, r.text
        bea = r.json()["id"]
        r = await c.post("/v1/admin/users", json={"lab_id": me["lab"], "username": "sam"})
        sam = r.json()["id"]
        r = await c.post("/v1/admin/projects/default/members", json={"user_id": sam})
        assert r.status_code == 201, r.text
    # lab-b's administrator, made by the operator (not by the requester: two people)
    bert = new_id()
    async with gw.services.sessions.begin() as session:
        session.add(
            User(
                id=bert,
                lab_id="lab-b",
                username="bert",
                roles=["lab_admin"],
                created_at=datetime.now(UTC),
            )
        )
    bert_key, _ = await gw.services.keys.create(bert, None)

    await page.goto(gw.url + "/console")
    await _use_key(page, gw.key)
    status = page.locator("#projects-status")
    await expect(page.locator("#projects")).to_be_visible()
    await expect(page.get_by_label("Lab", exact=True)).to_have_value(me["lab"])
    await page.get_by_label("New project id").fill("fusion-x")
    await page.get_by_role("button", name="Create project").click()
    await expect(status).to_have_text("Created project fusion-x.")
    await page.get_by_role("button", name="Manage project fusion-x").click()
    await expect(page.locator("#project-detail-heading")).to_have_text(
        f"Project fusion-x ({me['lab']})"
    )

    # an allocation, through PUT /v1/admin/projects/{id}/allocation
    await page.get_by_label("Budget (weighted tokens; empty: no budget)").fill("250000")
    await page.get_by_label("per", exact=True).select_option("week")
    await page.get_by_role("button", name="Set allocation").click()
    await expect(status).to_have_text("Allocation of fusion-x: 250000 per week.")
    row = page.locator("#projects-table tbody tr", has_text="fusion-x")
    await expect(row.locator("td").nth(4)).to_have_text("250000 per week")
    # per-minute limits, through PATCH /v1/admin/projects/{id}/limits (empty lifts one)
    await page.get_by_label("Requests per minute (project)").fill("120")
    await page.get_by_label("Tokens per minute (each user)").fill("40000")
    await page.get_by_role("button", name="Set limits").click()
    await expect(status).to_have_text("Limits of fusion-x set.")

    # a member of the same lab: added at once, then removed
    member = page.get_by_label("Add member (user id, lab/username or username)")
    await member.fill("sam")
    await page.get_by_role("button", name="Add member").click()
    await expect(status).to_have_text("Added sam to fusion-x.")
    await expect(page.locator("#members-table tbody tr", has_text="sam")).to_have_count(1)
    await page.get_by_role("button", name="Remove sam from fusion-x").click()
    await expect(status).to_have_text("Removed sam from fusion-x.")
    await expect(page.locator("#members-table tbody tr", has_text="sam")).to_have_count(0)

    # a member of another lab: the API takes it as a request for that lab's admin (202), and
    # the page shows it pending, not done
    await member.fill("lab-b/bea")
    await page.get_by_role("button", name="Add member").click()
    await expect(status).to_contain_text("Pending, not done yet: member.add ")
    await expect(status).to_contain_text("an administrator of the user's lab must approve it")
    await expect(page.locator("#members-table tbody tr", has_text="bea")).to_have_count(0)
    pending = page.locator("#approvals-table tbody tr", has_text="member.add")
    await expect(pending.locator("td").nth(5)).to_have_text("pending")
    await expect(pending.locator("td").nth(3)).to_have_text("lab-b/bea")  # people by name
    # its requester cannot approve it: the API's refusal, word for word
    await pending.get_by_role("button", name="Approve request").click()
    await expect(status).to_contain_text("Not approved: ")
    async with _admin(gw) as c:
        members = (await c.get("/v1/admin/projects/fusion-x/members")).json()["data"]
        project = (await c.get("/v1/admin/projects/fusion-x")).json()
    assert bea not in [m["user_id"] for m in members] and sam not in [m["user_id"] for m in members]
    assert (project["budget_tokens"], project["budget_period"]) == (250000, "week")
    assert (project["rpm_limit"], project["tpm_limit"]) == (120, None)
    assert (project["user_rpm_limit"], project["user_tpm_limit"]) == (None, 40000)
    await page.locator("#projects").screenshot(
        path=str(REPO / ".data" / "web-console-projects.png")
    )

    # a key for someone else: shown once, and pending until a second platform admin approves
    await page.get_by_label("Name of a new key (yours, in your project)").fill("for-sam")
    await page.get_by_label("For user (default: you", exact=False).fill("sam")
    await page.get_by_role("button", name="Create key").click()
    new_key = page.locator("#new-key")
    await expect(new_key).to_contain_text("New key for sam (shown once, store it now): ")
    await expect(new_key).to_contain_text("Pending, not usable yet: request ")
    sam_key = (await new_key.inner_text()).split("store it now): ")[1].split(". Pending")[0]
    key_request = page.locator("#approvals-table tbody tr", has_text="key.create")
    await expect(key_request.locator("td").nth(3)).to_have_text(f"{me['lab']}/sam")
    async with _admin(gw) as c:  # no key row exists before the approval
        keys = (await c.get("/v1/admin/keys", params={"user": sam})).json()["data"]
    assert [k for k in keys if k["name"] == "for-sam"] == []
    pat = new_id()
    async with gw.services.sessions.begin() as session:
        session.add(
            User(
                id=pat,
                lab_id=me["lab"],
                username="pat",
                roles=["platform_admin"],
                created_at=datetime.now(UTC),
            )
        )
    pat_key, _ = await gw.services.keys.create(pat, "default")
    await _use_key(page, pat_key)
    await expect(page.locator("#new-key")).to_have_text("")  # the key is not left on screen
    key_request = page.locator("#approvals-table tbody tr", has_text="key.create")
    await key_request.get_by_role("button", name="Approve request").click()
    await expect(status).to_contain_text("Approved request ")
    async with httpx.AsyncClient(base_url=gw.url, timeout=30) as c:
        headers = {"Authorization": f"Bearer {sam_key}"}
        assert (await c.get("/v1/models", headers=headers)).status_code == 200

    # lab-b's administrator approves it in their own session; now it is done
    await _use_key(page, bert_key)
    await expect(status).to_have_text("")
    pending = page.locator("#approvals-table tbody tr", has_text="member.add")
    await pending.get_by_role("button", name="Approve request").click()
    await expect(status).to_contain_text("Approved request ")
    async with _admin(gw) as c:
        members = (await c.get("/v1/admin/projects/fusion-x/members")).json()["data"]
    assert bea in [m["user_id"] for m in members]
    # a new project defaults to the reader's own lab, not the last reader's
    await expect(page.get_by_label("Lab", exact=True)).to_have_value("lab-b")

    # a project lead: members of their project, but no new projects, budgets or limits
    lead = await _person(gw, "lea", ["project_lead"], member_role="lead")
    await _use_key(page, lead)
    await expect(page.locator("#projects")).to_be_visible()
    for form in ("#project-create", "#allocation-form", "#limits-form", "#ops", "#registry"):
        await expect(page.locator(form)).to_be_hidden()
    await page.get_by_role("button", name="Manage project default").click()
    await expect(page.get_by_role("button", name="Add member")).to_be_visible()
    lea_cell = page.get_by_role("cell", name="lea", exact=True)
    await expect(page.locator("#members-table tbody tr", has=lea_cell)).to_have_count(1)


async def test_model_registry_view_within_clearance(web_gateway: WebGateway, page: Any) -> None:
    from playwright.async_api import expect

    gw = web_gateway
    async with _admin(gw) as c:
        ids = {}
        for name in ("fake", "open-model"):
            r = await c.post(
                "/v1/admin/models",
                json={
                    "name": name,
                    "version": "2026.1",
                    "source": f"hf://lab/{name}",
                    "weights_digest": "ab" * 32,
                    "reason": "console test",
                },
            )
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
        r = await c.post(
            f"/v1/admin/models/{ids['fake']}/evaluations",
            json={
                "suites": {"safety": {}},
                "metrics": {"safety.refusal_rate": 0.97},
                "finished": True,
            },
        )
        assert r.status_code == 200, r.text
        evaluation = r.json()["id"]
    # and a version approved for this deployment (as `labgate models bootstrap` records one),
    # whose model card the registry view shows
    from labgate.approval.wiring import model_registry, reload_gate

    await model_registry(gw.services).bootstrap(
        name="fake",
        version="served",
        source="/models/fake",
        engine="vllm",
        weights_digest="c" * 64,
        evaluation={"metrics": {}},
    )
    await reload_gate(gw.services)

    await page.goto(gw.url + "/console")
    await _use_key(page, gw.key)
    registry = page.locator("#registry")
    await expect(registry).to_be_visible()
    await expect(page.locator("#registry-table tbody tr")).to_have_count(3)
    served = page.locator("#registry-table tbody tr", has_text="served")
    await expect(served.locator("td").nth(2)).to_have_text("serving")
    await served.get_by_role("button", name="Details of fake served").click()
    card = page.get_by_label("The model card")
    await expect(card).to_be_visible()
    await expect(card).to_contain_text("# Model card: fake served")
    await expect(card).to_contain_text("## Results against the thresholds of deployment")
    await expect(page.locator("#version-approvals tbody tr")).to_have_count(1)
    # by keyboard: the button takes focus, Enter opens the version and moves focus to it
    await page.get_by_role("button", name="Details of fake 2026.1").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#version-heading")).to_contain_text("fake 2026.1")
    await expect(page.locator("#version-heading")).to_be_focused()
    ev = page.locator("#version-evaluations tbody tr", has_text=evaluation)
    await expect(ev).to_have_count(1)
    await expect(ev.locator("td").nth(4)).to_contain_text("0.97")
    await expect(page.locator("#version-thresholds caption")).to_contain_text(evaluation)
    await registry.screenshot(path=str(REPO / ".data" / "web-console-registry.png"))
    # every view open (workers, projects, registry): contrast, names, labelled controls
    await expect(page.locator("#ops-models table")).to_have_count(1)
    await expect(page.locator("#projects-table table")).to_have_count(1)
    assert await page.evaluate(AUDIT) == []

    # an auditor cleared to SECRET: the SECRET//NUC model's versions do not exist for them
    auditor = await _person(gw, "lowaud", ["auditor"], clearance="SECRET")
    await _use_key(page, auditor)
    await expect(page.locator("#registry-table tbody tr")).to_have_count(1)
    await expect(page.locator("#registry-table tbody tr")).to_contain_text("open-model")
    await expect(page.locator("#version-detail")).to_be_hidden()
    assert "fake" not in await registry.inner_text()
    # auditors run no workers: that view stays closed to them
    await expect(page.locator("#ops")).to_be_hidden()
