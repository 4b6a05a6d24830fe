"""The authorization matrix of issue 28: who may call which route, on what, at which label.

``POLICY`` below is the one table. Each row is one route (method and path template, exactly as
the app declares it) and what it is called on: the caller's own lab or another lab, and an
object or a request label *lower* than, *equal* to or *higher* than the caller's clearance.
Every human caller holds ``SECRET`` (no compartment); the higher label is ``SECRET//NUC`` (the
model ``m-nuc`` is accredited for it, and the user ``hugo`` in the caller's lab holds it).
The columns are the callers:

    anon  no credential            padm  a platform administrator (lab-alpha)
    user  a scientist (lab-alpha)  aud   an auditor (lab-alpha)
    lead  the lead of PRJ-ALPHA    appr  a model approver (lab-alpha; issue 23's model gate)
    ladm  lab-alpha's admin        wkr   a worker token for the model m-wk

and each cell is what the caller must get:

    ok    allowed: a 2xx, the change took effect, and nothing in the answer the caller may
          not see
    no    refused, nothing changed: 400, 401, 403, 404 or 409 (or 202: accepted for a second
          person's approval, with no effect yet)
    401   refused as unauthenticated
    hide  whatever the status (never a 5xx), the answer shows nothing the caller may not see

Rows "caller cleared for the whole range" are called by the platform admin's and the
auditor's TOP SECRET//NUC counterparts (the other columns as usual). Every cell also checks:
never a 5xx, ``X-Request-Id`` on the answer, refusals OpenAI-shaped, and a refused completion
request in the audit log.

"Nothing the caller may not see" is checked against markers planted above every caller: the
name of the SECRET//NUC model (``m-nuc``), the id of the only user whose work is all
SECRET//NUC (``hugo``), and for everyone but platform administrators and auditors, the other
lab (``lab-beta``, ``PRJ-BETA``, its users' ids).

The table encodes the rules of issue 28's "What done looks like" (docs/security.md), not what
the code did when the table was written. A cell that the code does not meet yet is listed in
``PENDING`` with the finding; it runs as a strict xfail, so the day the fix lands it XPASSes,
the suite fails, and the entry must be removed.

``test_every_route_has_a_row`` enumerates the app's routes at test time (FastAPI's routes and
the OpenAI routes the hot path dispatches itself): a route without a row fails the suite.
"""

# ruff: noqa: E501  (the policy table is wider than code: one route and its seven cells a line)

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from labgate.app import create_app
from labgate.identity.keys import new_id
from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import ApiKey, Lab, Project, ProjectMember, User
from tests.support.servers import RunningWorker, serve_app, start_fake_worker

ROLES = ("anon", "user", "lead", "ladm", "padm", "aud", "appr", "wkr")
SEES_EVERY_LAB = frozenset({"padm", "aud"})

# ----------------------------------------------------------------------------- the policy
#
# One row per route and situation. "own" / "other": the caller's lab or another lab.
# "lower" / "equal" / "higher": an object or request label relative to the caller's SECRET.
POLICY = """
# route and situation                                                                         | anon user lead ladm padm aud  appr wkr
# -- system and pages: open, but never naming what the caller may not see
GET    /healthz                                                                               | ok   ok   ok   ok   ok   ok   ok   ok
GET    /readyz                                                                                | hide hide hide hide hide hide hide hide
GET    /metrics                                                                               | hide hide hide hide hide hide hide hide
GET    /metrics · caller cleared for the whole range                                          | 401  no   no   no   ok   no   no   401
GET    /openapi.json                                                                          | hide hide hide hide hide hide hide hide
GET    /                                                                                      | ok   ok   ok   ok   ok   ok   ok   ok
GET    /admin                                                                                 | ok   ok   ok   ok   ok   ok   ok   ok
GET    /console                                                                               | ok   ok   ok   ok   ok   ok   ok   ok
GET    /batches                                                                               | ok   ok   ok   ok   ok   ok   ok   ok
GET    /web/config                                                                            | ok   ok   ok   ok   ok   ok   ok   ok
GET    /web/banners.css                                                                       | ok   ok   ok   ok   ok   ok   ok   ok
GET    /web/static/{name} · a script of the pages                                             | ok   ok   ok   ok   ok   ok   ok   ok
GET    /web/static/{name} · traversal to a file outside                                       | no   no   no   no   no   no   no   no
# -- signing in to the pages (no issuer configured here): open, and nothing to take
GET    /web/signin                                                                            | hide hide hide hide hide hide hide hide
GET    /web/signin/{index} · an issuer that is not configured                                 | no   no   no   no   no   no   no   no
GET    /web/callback · a state never issued                                                   | no   no   no   no   no   no   no   no
GET    /web/session · no session cookie                                                       | hide hide hide hide hide hide hide hide
POST   /web/signout · no session cookie                                                       | hide hide hide hide hide hide hide hide
# -- the chat page's saved conversations: their owner's only, within the owner's clearance
GET    /web/conversations                                                                     | 401  ok   ok   ok   ok   ok   ok   401
POST   /web/conversations · lower label                                                       | 401  ok   ok   ok   ok   ok   ok   401
POST   /web/conversations · equal label                                                       | 401  ok   ok   ok   ok   ok   ok   401
POST   /web/conversations · higher label                                                      | 401  no   no   no   no   no   no   401
GET    /web/conversations/{cid} · own                                                         | 401  ok   ok   ok   ok   ok   ok   401
GET    /web/conversations/{cid} · another user's                                              | 401  no   no   no   no   no   no   401
PUT    /web/conversations/{cid} · own, sent back with a lower label (kept at its mark)        | 401  ok   ok   ok   ok   ok   ok   401
PUT    /web/conversations/{cid} · another user's                                              | 401  no   no   no   no   no   no   401
DELETE /web/conversations/{cid} · own                                                         | 401  ok   ok   ok   ok   ok   ok   401
DELETE /web/conversations/{cid} · another user's                                              | 401  no   no   no   no   no   no   401
# -- the OpenAI routes: a key of a person; labels within clearance and accreditation
GET    /v1/models                                                                             | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/models/{model_id} · lower (m-open)                                                 | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/models/{model_id} · equal (m-sec)                                                  | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/models/{model_id} · higher (m-nuc)                                                 | 401  no   no   no   no   no   no   401
GET    /v1/models/{model_id} · traversal to an admin route                                    | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · lower label                                                     | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/chat/completions · equal label                                                     | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/chat/completions · higher label                                                    | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · equal label, streamed                                           | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/chat/completions · higher label, streamed                                          | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · higher label in the body                                        | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · lower label header, higher in the body                          | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · other lab's project named in X-Labgate-Project                  | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/chat/completions · equal label, model below it                                     | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · equal conversation resent lower                                 | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · equal conversation resent unlabelled                            | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · equal answer resent lower with a trailing space                 | 401  no   no   no   no   no   no   401
POST   /v1/chat/completions · equal answer resent lower as the user's own turn                | 401  no   no   no   no   no   no   401
POST   /v1/completions · lower label                                                          | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/completions · equal label                                                          | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/completions · higher label                                                         | 401  no   no   no   no   no   no   401
POST   /v1/completions · equal answer resent lower as the prompt                              | 401  no   no   no   no   no   no   401
POST   /v1/embeddings · lower label                                                           | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/embeddings · equal label                                                           | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/embeddings · higher label                                                          | 401  no   no   no   no   no   no   401
POST   /v1/embeddings · a chat model                                                          | 401  no   no   no   no   no   no   401
POST   /v1/embeddings · equal answer resent lower as the input                                | 401  no   no   no   no   no   no   401
# -- stored responses: their owner's only, within the owner's clearance (an id says nothing)
POST   /v1/responses · lower label                                                            | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/responses · equal label                                                            | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/responses · higher label                                                           | 401  no   no   no   no   no   no   401
POST   /v1/responses · own equal response continued lower                                     | 401  no   no   no   no   no   no   401
POST   /v1/responses · another user's response continued                                      | 401  no   no   no   no   no   no   401
GET    /v1/responses/{rid} · own                                                              | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/responses/{rid} · another user's                                                   | 401  no   no   no   no   no   no   401
GET    /v1/responses/{rid} · other lab's user's                                               | 401  no   no   no   no   no   no   401
GET    /v1/responses/{rid}/input_items · own                                                  | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/responses/{rid}/input_items · another user's                                       | 401  no   no   no   no   no   no   401
DELETE /v1/responses/{rid} · own                                                              | 401  ok   ok   ok   ok   ok   ok   401
DELETE /v1/responses/{rid} · another user's                                                   | 401  no   no   no   no   no   no   401
# -- batch files and batches: their owner's only, within the owner's clearance
POST   /v1/files · lower label                                                                | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/files · equal label                                                                | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/files · higher label                                                               | 401  no   no   no   no   no   no   401
GET    /v1/files                                                                              | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/files/{fid} · own                                                                  | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/files/{fid} · another user's                                                       | 401  no   no   no   no   no   no   401
GET    /v1/files/{fid}/content · own                                                          | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/files/{fid}/content · another user's                                               | 401  no   no   no   no   no   no   401
DELETE /v1/files/{fid} · own                                                                  | 401  ok   ok   ok   ok   ok   ok   401
DELETE /v1/files/{fid} · another user's                                                       | 401  no   no   no   no   no   no   401
POST   /v1/batches · own file                                                                 | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/batches · another user's file                                                      | 401  no   no   no   no   no   no   401
GET    /v1/batches                                                                            | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/batches/{bid} · own                                                                | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/batches/{bid} · another user's                                                     | 401  no   no   no   no   no   no   401
POST   /v1/batches/{bid}/cancel · own                                                         | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/batches/{bid}/cancel · another user's                                              | 401  no   no   no   no   no   no   401
# -- administration: who am I, labs
GET    /v1/admin/whoami                                                                       | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/labs                                                                         | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/admin/labs                                                                         | 401  no   no   no   ok   no   no   401
GET    /v1/admin/labs/{lab_id} · own                                                          | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/labs/{lab_id} · other                                                        | 401  no   no   no   ok   ok   no   401
PATCH  /v1/admin/labs/{lab_id} · own                                                          | 401  no   no   no   ok   no   no   401
PATCH  /v1/admin/labs/{lab_id} · other                                                        | 401  no   no   no   ok   no   no   401
# -- users: created by their lab's admins; nobody grants themselves anything; clearances
#    and the auditor role need two platform admins (one alone changes nothing)
GET    /v1/admin/users                                                                        | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/users · other lab named                                                      | 401  hide hide hide hide hide hide 401
POST   /v1/admin/users · own, no clearance                                                    | 401  no   no   ok   ok   no   no   401
POST   /v1/admin/users · other, no clearance                                                  | 401  no   no   no   ok   no   no   401
POST   /v1/admin/users · own, clearance lower                                                 | 401  no   no   no   no   no   no   401
POST   /v1/admin/users · own, clearance equal                                                 | 401  no   no   no   no   no   no   401
POST   /v1/admin/users · own, clearance higher                                                | 401  no   no   no   no   no   no   401
POST   /v1/admin/users · own, role auditor                                                    | 401  no   no   no   no   no   no   401
GET    /v1/admin/users/{user_id} · self                                                       | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/users/{user_id} · own                                                        | 401  no   no   ok   ok   ok   no   401
GET    /v1/admin/users/{user_id} · other                                                      | 401  no   no   no   ok   ok   no   401
GET    /v1/admin/users/{user_id} · traversal in the id                                        | no   no   no   no   no   no   no   no
PATCH  /v1/admin/users/{user_id} · self, clearance higher                                     | 401  no   no   no   no   no   no   401
PATCH  /v1/admin/users/{user_id} · self, a role not held                                      | 401  no   no   no   no   no   no   401
PATCH  /v1/admin/users/{user_id} · own, clearance lowered                                     | 401  no   no   ok   ok   no   no   401
PATCH  /v1/admin/users/{user_id} · own, clearance raised equal                                | 401  no   no   no   no   no   no   401
PATCH  /v1/admin/users/{user_id} · own, clearance raised higher                               | 401  no   no   no   no   no   no   401
PATCH  /v1/admin/users/{user_id} · own, role auditor                                          | 401  no   no   no   no   no   no   401
PATCH  /v1/admin/users/{user_id} · own, disabled                                              | 401  no   no   ok   ok   no   no   401
PATCH  /v1/admin/users/{user_id} · other, disabled                                            | 401  no   no   no   ok   no   no   401
PATCH  /v1/admin/users/{user_id} · own platform admin, disabled                               | 401  no   no   no   ok   no   no   401
PATCH  /v1/admin/users/{user_id} · own, role lab_admin                                        | 401  no   no   ok   ok   no   no   401
# -- projects: their lab's admins; leads and members read their own
GET    /v1/admin/projects                                                                     | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/projects · other lab named                                                   | 401  hide hide hide hide hide hide 401
POST   /v1/admin/projects · own                                                               | 401  no   no   ok   ok   no   no   401
POST   /v1/admin/projects · other                                                             | 401  no   no   no   ok   no   no   401
POST   /v1/admin/projects · own, lead from other lab                                          | 401  no   no   no   no   no   no   401
GET    /v1/admin/projects/{project_id} · own                                                  | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/projects/{project_id} · other                                                | 401  no   no   no   ok   ok   no   401
PATCH  /v1/admin/projects/{project_id} · own                                                  | 401  no   no   ok   ok   no   no   401
PATCH  /v1/admin/projects/{project_id} · other                                                | 401  no   no   no   ok   no   no   401
PATCH  /v1/admin/projects/{project_id} · own, lead from other lab                             | 401  no   no   no   no   no   no   401
PUT    /v1/admin/projects/{project_id}/allocation · own                                       | 401  no   no   ok   ok   no   no   401
PUT    /v1/admin/projects/{project_id}/allocation · other                                     | 401  no   no   no   ok   no   no   401
PATCH  /v1/admin/projects/{project_id}/limits · own                                           | 401  no   no   ok   ok   no   no   401
PATCH  /v1/admin/projects/{project_id}/limits · other                                         | 401  no   no   no   ok   no   no   401
# -- members: within the project's lab
GET    /v1/admin/projects/{project_id}/members · own                                          | 401  no   ok   ok   ok   ok   no   401
GET    /v1/admin/projects/{project_id}/members · other                                        | 401  no   no   no   ok   ok   no   401
POST   /v1/admin/projects/{project_id}/members · own, own user                                | 401  no   ok   ok   ok   no   no   401
POST   /v1/admin/projects/{project_id}/members · own, other user                              | 401  no   no   no   no   no   no   401
POST   /v1/admin/projects/{project_id}/members · other, other user                            | 401  no   no   no   ok   no   no   401
DELETE /v1/admin/projects/{project_id}/members/{user_id} · own                                | 401  no   ok   ok   ok   no   no   401
DELETE /v1/admin/projects/{project_id}/members/{user_id} · other                              | 401  no   no   no   ok   no   no   401
# -- API keys: minted by their own holder only
GET    /v1/admin/keys                                                                         | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/keys · other lab's user named                                                | 401  hide hide hide hide hide hide 401
POST   /v1/admin/keys · self, own project                                                     | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/admin/keys · another member of own project                                         | 401  no   no   no   no   no   no   401
POST   /v1/admin/keys · a member cleared above the caller                                     | 401  no   no   no   no   no   no   401
POST   /v1/admin/keys · self, other lab's project                                             | 401  no   no   no   no   no   no   401
DELETE /v1/admin/keys/{key_id} · self                                                         | 401  ok   ok   ok   ok   ok   ok   401
DELETE /v1/admin/keys/{key_id} · another member of own project                                | 401  no   ok   ok   ok   no   no   401
DELETE /v1/admin/keys/{key_id} · other lab's user                                             | 401  no   no   no   ok   no   no   401
DELETE /v1/admin/keys/{key_id} · integer overflow in the id                                   | 401  no   no   no   no   no   no   401
# -- requests waiting for a second person: grants by two platform admins; a member from
#    another lab by both labs' admins; nobody approves their own or one about themselves
GET    /v1/admin/approvals                                                                    | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/approvals/{action_id} · a grant in own lab                                   | 401  no   no   no   ok   ok   no   401
GET    /v1/admin/approvals/{action_id} · a grant in other lab                                 | 401  no   no   no   ok   ok   no   401
POST   /v1/admin/approvals/{action_id}/approve · another platform admin's grant               | 401  no   no   no   ok   no   no   401
POST   /v1/admin/approvals/{action_id}/approve · a grant about oneself                        | 401  no   no   no   no   no   no   401
POST   /v1/admin/approvals/{action_id}/approve · other lab's admin adding own user            | 401  no   no   ok   ok   no   no   401
POST   /v1/admin/approvals/{action_id}/reject · another platform admin's grant                | 401  no   no   no   ok   no   no   401
# -- reports and state: only what the reader's clearance dominates
GET    /v1/admin/usage · by model                                                             | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/usage · by user                                                              | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/usage · by user, other lab named                                             | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/usage · by project, as CSV                                                   | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/admin/workers                                                                      | 401  no   no   ok   ok   no   no   401
GET    /v1/admin/hpc/jobs · jobs of a model below and one above the caller                   | 401  no   no   ok   ok   no   no   401
GET    /v1/admin/scheduler                                                                    | 401  no   ok   ok   ok   ok   no   401
GET    /v1/admin/scheduler · other lab named                                                  | 401  no   no   hide hide hide no   401
# -- the guardrail's review queue: reviewers, within their lab and clearance; reports by the requester
GET    /v1/safety/flags                                                                       | 401  no   no   ok   ok   ok   no   401
POST   /v1/safety/reports · own refused request                                               | 401  ok   ok   ok   ok   ok   ok   401
POST   /v1/safety/reports · another user's refused request                                    | 401  no   no   no   no   no   no   401
POST   /v1/safety/flags/{flag_id}/review · own lab, equal (m-sec)                              | 401  no   no   ok   ok   no   no   401
POST   /v1/safety/flags/{flag_id}/review · other lab                                          | 401  no   no   no   ok   no   no   401
POST   /v1/safety/flags/{flag_id}/review · higher (m-nuc)                                     | 401  no   no   no   no   no   no   401
POST   /v1/safety/flags/{flag_id}/review · a flag on the caller's own request                 | 401  no   no   no   no   no   no   401
# -- the audit log: records for auditors and platform admins, within clearance; proofs and
#    checkpoints give the log's size (all labels' work): only to those cleared for the range
GET    /v1/audit/records/{index} · own, lower                                                 | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/records/{index} · own, equal                                                 | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/records/{index} · own, higher                                                | 401  no   no   no   no   no   no   401
GET    /v1/audit/records/{index} · other, equal                                               | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/records/{index} · integer overflow                                           | 401  no   no   no   no   no   no   401
GET    /v1/audit/proofs/inclusion · caller at SECRET                                          | 401  no   no   no   no   no   no   401
GET    /v1/audit/proofs/inclusion · caller cleared for the whole range                        | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/proofs/consistency · caller at SECRET                                        | 401  no   no   no   no   no   no   401
GET    /v1/audit/proofs/consistency · caller cleared for the whole range                      | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/checkpoint · caller at SECRET                                                | 401  no   no   no   no   no   no   401
GET    /v1/audit/checkpoint · caller cleared for the whole range                              | 401  no   no   no   ok   ok   no   401
GET    /v1/audit/verifier-key · the public key checkpoints are signed with                    | 401  ok   ok   ok   ok   ok   ok   401
# -- transcripts: two auditors, within clearance
POST   /v1/audit/access-requests · own project                                                | 401  no   no   no   no   ok   no   401
POST   /v1/audit/access-requests · other lab's project                                        | 401  no   no   no   no   ok   no   401
GET    /v1/audit/access-requests                                                              | 401  no   no   no   no   ok   no   401
POST   /v1/audit/access-requests/{request_id}/approve · another auditor's                     | 401  no   no   no   no   ok   no   401
POST   /v1/audit/access-requests/{request_id}/approve · own                                   | 401  no   no   no   no   no   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · own, lower                | 401  no   no   no   no   ok   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · own, equal                | 401  no   no   no   no   ok   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · own, higher               | 401  no   no   no   no   no   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · other, equal              | 401  no   no   no   no   ok   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · own, outside its scope    | 401  no   no   no   no   no   no   401
GET    /v1/audit/access-requests/{request_id}/transcripts/{index} · another auditor's request | 401  no   no   no   no   no   no   401
# -- worker tokens: platform admins, for models within their own clearance
POST   /v1/admin/worker-tokens · a model at or below the caller                               | 401  no   no   no   ok   no   no   401
POST   /v1/admin/worker-tokens · a model above the caller                                     | 401  no   no   no   no   no   no   401
GET    /v1/admin/worker-tokens                                                                | 401  no   no   no   ok   no   no   401
DELETE /v1/admin/worker-tokens/{token_id}                                                     | 401  no   no   no   ok   no   no   401
# -- the model registry (issue 23): platform admins submit, approvers sign off (nobody here
#    holds the approver role: no cell approves), readers see no version above them
GET    /v1/admin/models                                                                       | 401  no   no   no   ok   ok   ok   401
POST   /v1/admin/models · a model at or below the caller                                      | 401  no   no   no   ok   no   no   401
POST   /v1/admin/models · a model above the caller                                            | 401  no   no   no   no   no   no   401
GET    /v1/admin/models/{version_id} · equal (m-sec)                                          | 401  no   no   no   ok   ok   ok   401
GET    /v1/admin/models/{version_id} · higher (m-nuc)                                         | 401  no   no   no   no   no   no   401
POST   /v1/admin/models/{version_id}/approve · evaluated, no approver role                    | 401  no   no   no   no   no   ok   401
POST   /v1/admin/models/{version_id}/retire                                                   | 401  no   no   no   ok   no   ok   401
POST   /v1/admin/models/{version_id}/evaluations                                              | 401  no   no   no   ok   no   ok   401
GET    /v1/admin/models/{version_id}/evaluations/{evaluation_id}                              | 401  no   no   no   ok   no   ok   401
GET    /v1/model-cards/{model_id} · lower (m-open), approved                                  | 401  ok   ok   ok   ok   ok   ok   401
GET    /v1/model-cards/{model_id} · higher (m-nuc), approved                                  | 401  no   no   no   no   no   no   401
# -- workers: a worker token, for its own worker only
POST   /internal/workers/register · own model                                                 | 401  401  401  401  401  401  401  ok
POST   /internal/workers/register · another model                                             | 401  401  401  401  401  401  401  no
POST   /internal/workers/register · accreditation above the token's max_label                 | 401  401  401  401  401  401  401  no
POST   /internal/workers/register · accreditation above the model's (narrowed)                | 401  401  401  401  401  401  401  ok
POST   /internal/workers/{worker_id}/heartbeat · own worker                                   | 401  401  401  401  401  401  401  ok
POST   /internal/workers/{worker_id}/heartbeat · another token's worker                       | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/heartbeat · a configured worker                          | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/drain · own worker                                       | 401  401  401  401  401  401  401  ok
POST   /internal/workers/{worker_id}/drain · another token's worker                           | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/drain · a configured worker                              | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/deregister · own worker                                  | 401  401  401  401  401  401  401  ok
POST   /internal/workers/{worker_id}/deregister · another token's worker                      | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/deregister · a configured worker                         | 401  401  401  401  401  401  401  no
POST   /internal/workers/{worker_id}/deregister · another model's worker                      | 401  401  401  401  401  401  401  no
"""

# Cells the code does not meet yet, each with the finding of issue 28 it waits for. "*": every
# caller on that row. Remove an entry the moment its cell XPASSes.
PENDING: dict[tuple[str, str], str] = {}


def _pending(row: str, roles: str, reason: str) -> None:
    for role in ROLES if roles == "*" else roles.split():
        PENDING[(_norm(row), role)] = f"issue 28: {reason} not fixed yet"


def _norm(text: str) -> str:
    return " ".join(text.split())


HUMANS = "user lead ladm padm aud appr"
# found by this matrix, beyond issue 28's list (docs: /work/notes/findings.md)


# ----------------------------------------------------------------------------- the world

LABELS = {
    "levels": ["UNCLASSIFIED", "CUI", "SECRET", "TOP SECRET"],
    "compartments": {"NUC": "Nuclear weapons effects program"},
    "enclave": "matrix-enclave",
    "default_request_label": "UNCLASSIFIED",
    "range": {"min": "UNCLASSIFIED", "max": "TOP SECRET//NUC"},
    "models": {
        "m-open": "UNCLASSIFIED",
        "m-sec": "SECRET",
        "m-nuc": "SECRET//NUC",
        "m-wk": "SECRET",
        "m-emb": "SECRET",
    },
}
CLEARANCE = "SECRET"
LOWER, EQUAL, HIGHER = "UNCLASSIFIED", "SECRET", "SECRET//NUC"
OWN_LAB, OTHER_LAB = "lab-alpha", "lab-beta"
OWN_PROJECT, OTHER_PROJECT = "PRJ-ALPHA", "PRJ-BETA"
NOWHERE = "http://127.0.0.1:9/v1"  # registered workers that never get work


@dataclass
class World:
    url: str
    services: Any
    keys: dict[str, str | None]
    users: dict[str, str]  # name -> user id
    records: dict[str, int]  # lower / equal / higher / other -> audit index
    access: dict[str, str]  # own / other -> an approved access request of the auditor
    worker_tokens: dict[str, str]
    workers: dict[str, str]  # own / another / configured / other-model -> worker id
    client: httpx.AsyncClient = field(repr=False)
    static_name: str = ""
    app: Any = field(default=None, repr=False)

    def principal(self, name: str, lab: str, roles: list[str]) -> Principal:
        return Principal(
            self.users[name],
            lab=lab,
            project=OWN_PROJECT if lab == OWN_LAB else OTHER_PROJECT,
            roles=frozenset(Role(r) for r in roles),
            clearance=CLEARANCE,
        )

    def markers(self, role: str, hidden: tuple[str, ...]) -> list[str]:
        """The strings ``role`` must not see in an answer, for the kinds of thing ``hidden``
        names: ``nuc`` (the SECRET//NUC model), ``hugo`` (a user whose work is all above the
        caller), ``beta`` (the other lab, unless the caller sees every lab)."""
        found: list[str] = []
        if "nuc" in hidden:
            found.append("m-nuc")
        if "hugo" in hidden:
            found.append(self.users["hugo"])
        if "beta" in hidden and role not in SEES_EVERY_LAB:
            found += [OTHER_LAB, OTHER_PROJECT, self.users["carol"], self.users["arno"]]
        return found

    # -- fresh objects, written straight to the store (so a cell's side effects stay its own)

    async def new_user(
        self, lab: str, roles: list[str] | None = None, clearance: str | None = None
    ) -> str:
        uid = new_id()
        async with self.services.sessions.begin() as s:
            s.add(
                User(
                    id=uid,
                    lab_id=lab,
                    username="u-" + uid[:10],
                    roles=roles or ["user"],
                    clearance=clearance,
                    created_at=datetime.now(UTC),
                )
            )
        return uid

    async def add_member(self, project: str, user_id: str, role: str = "member") -> None:
        async with self.services.sessions.begin() as s:
            s.add(ProjectMember(project_id=project, user_id=user_id, role=role))

    async def new_key(self, user_id: str, project: str) -> tuple[str, str]:
        key, row = await self.services.keys.create(user_id, project, name="matrix")
        return key, row.id

    async def new_project(self, lab: str) -> str:
        pid = "P-" + uuid.uuid4().hex[:10]
        async with self.services.sessions.begin() as s:
            s.add(Project(id=pid, lab_id=lab, name=pid, created_at=datetime.now(UTC)))
        return pid

    async def user_row(self, uid: str) -> User:
        async with self.services.sessions() as s:
            row = await s.get(User, uid)
            assert row is not None
            return row

    async def is_member(self, project: str, uid: str) -> bool:
        async with self.services.sessions() as s:
            return await s.get(ProjectMember, (project, uid)) is not None

    async def key_revoked(self, key_id: str) -> bool:
        async with self.services.sessions() as s:
            row = await s.get(ApiKey, key_id)
            return row is not None and row.revoked_at is not None

    async def keys_of(self, uid: str) -> int:
        async with self.services.sessions() as s:
            return len((await s.execute(select(ApiKey.id).where(ApiKey.user_id == uid))).all())

    def pool_workers(self, model: str) -> list[Any]:
        return list(self.services.router.pools[model].workers.values())

    def pool_worker(self, model: str, worker_id: str) -> Any:
        return self.services.router.pools[model].get(worker_id)

    async def chat(
        self, key: str | None, model: str, label: str | None, messages: list[dict[str, str]]
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if label:
            headers["X-Labgate-Label"] = label
        return await self.client.post(
            "/v1/chat/completions",
            headers=headers,
            json={"model": model, "messages": messages, "max_tokens": 16},
        )

    async def record_of(self, response: httpx.Response) -> int:
        """The audit index of the request that got ``response``."""
        request_id = response.headers["x-request-id"]
        log = self.services.audit
        size = await log.size()
        for index in range(size - 1, max(size - 200, 0) - 1, -1):
            data = orjson.loads((await log.get_record(index)).data)
            if data.get("request_id") == request_id:
                return index
        raise AssertionError(f"no audit record for request {request_id}")


def _ask(text: str = "What is the capital of France?") -> list[dict[str, str]]:
    # every request says something new: no two cells share a conversation
    return [{"role": "user", "content": f"{text} ({uuid.uuid4().hex[:8]})"}]


def _no_model_gate() -> dict[str, Any]:
    """The model gate (issue 23) would refuse the fake models; its own tests turn it on."""
    from labgate.config import Settings

    return {"approval": {"enforce": False}} if "approval" in Settings.model_fields else {}


_NO_MODEL_GATE = _no_model_gate()


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    from labgate.config import load_settings

    tmp: Path = tmp_path_factory.mktemp("authz")
    served = await start_fake_worker("m-sec")
    configured = await start_fake_worker("m-wk")
    settings = load_settings(
        None,
        environ={},
        overrides={
            "data_dir": str(tmp / "data"),
            "database_url": f"sqlite+aiosqlite:///{tmp / 'labgate.db'}",
            "embedded": {"enabled": False},
            "models": [
                {"name": "m-open", "workers": [served.base_url]},
                {"name": "m-sec", "workers": [served.base_url]},
                {"name": "m-nuc", "workers": [served.base_url]},
                {"name": "m-wk", "workers": [configured.base_url]},
                {"name": "m-emb", "kind": "embedding", "workers": [served.base_url]},
            ],
            "router": {"health_interval_s": 0.5, "breaker_cooldown_s": 1.0},
            "redis_url": None,
            "safety": {"enabled": False},
            "approval": {"enforce": False},  # the model gate: tests/approval
            "labels": LABELS,
            "audit": {"checkpoint_interval_s": 0.2},
            **_NO_MODEL_GATE,
        },
    )
    app = create_app(settings)
    workers: list[RunningWorker] = [served, configured]
    try:
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
            yield await _build_world(app, url, client)
    finally:
        for w in workers:
            await w.stop()


async def _build_world(app: Any, url: str, client: httpx.AsyncClient) -> World:
    services = app.state.services
    now = datetime.now(UTC)
    people = {
        # name: (lab, roles, clearance, project role)
        "alice": (OWN_LAB, ["user"], CLEARANCE, "member"),
        "lena": (OWN_LAB, ["user", "project_lead"], CLEARANCE, "lead"),
        "olga": (OWN_LAB, ["user", "lab_admin"], CLEARANCE, "member"),
        "pat": (OWN_LAB, ["user", "platform_admin"], CLEARANCE, "member"),
        "pia": (OWN_LAB, ["user", "platform_admin"], CLEARANCE, "member"),
        # counterparts of padm and aud cleared for the whole range (TOP SECRET//NUC)
        "tess": (OWN_LAB, ["user", "platform_admin"], "TOP SECRET//NUC", "member"),
        "tom": (OWN_LAB, ["user", "auditor"], "TOP SECRET//NUC", "member"),
        "audrey": (OWN_LAB, ["user", "auditor"], CLEARANCE, "member"),
        "aldo": (OWN_LAB, ["user", "auditor"], CLEARANCE, "member"),
        "apollo": (OWN_LAB, ["user", "approver"], CLEARANCE, "member"),
        "hugo": (OWN_LAB, ["user"], "TOP SECRET//NUC", "member"),
        "bob": (OWN_LAB, ["user"], "CUI", None),
        "carol": (OTHER_LAB, ["user"], CLEARANCE, "member"),
        "arno": (OTHER_LAB, ["user", "lab_admin"], CLEARANCE, "member"),
    }
    users = {name: new_id() for name in people}
    async with services.sessions.begin() as s:
        for lab in (OWN_LAB, OTHER_LAB):
            s.add(Lab(id=lab, name=lab, created_at=now))
        await s.flush()
        for name, (lab, roles, clearance, _) in people.items():
            s.add(
                User(
                    id=users[name],
                    lab_id=lab,
                    username=name,
                    roles=roles,
                    clearance=clearance,
                    created_at=now,
                )
            )
        await s.flush()
        s.add(
            Project(
                id=OWN_PROJECT,
                lab_id=OWN_LAB,
                name="alpha",
                lead_user_id=users["lena"],
                created_at=now,
            )
        )
        s.add(Project(id=OTHER_PROJECT, lab_id=OTHER_LAB, name="beta", created_at=now))
        await s.flush()
        for name, (lab, _, _, member_role) in people.items():
            if member_role:
                project = OWN_PROJECT if lab == OWN_LAB else OTHER_PROJECT
                s.add(ProjectMember(project_id=project, user_id=users[name], role=member_role))
    services.auth.invalidate_all()

    async def key(name: str) -> str:
        lab = people[name][0]
        made, _ = await services.keys.create(
            users[name], OWN_PROJECT if lab == OWN_LAB else OTHER_PROJECT, name="matrix"
        )
        return str(made)

    by_name = {
        name: await key(name)
        for name in (
            "alice",
            "lena",
            "olga",
            "pat",
            "pia",
            "audrey",
            "aldo",
            "hugo",
            "carol",
            "arno",
            "tess",
            "tom",
            "apollo",
        )
    }
    tokens = {
        "own": await services.registry.issue_token("m-wk", job_id="job-own"),
        "another": await services.registry.issue_token("m-wk", job_id="job-another"),
        "other-model": await services.registry.issue_token("m-sec", job_id="job-sec"),
        "nuc": await services.registry.issue_token("m-nuc", job_id="job-nuc"),
    }
    w = World(
        url=url,
        services=services,
        keys={
            "anon": None,
            "user": by_name["alice"],
            "lead": by_name["lena"],
            "ladm": by_name["olga"],
            "padm": by_name["pat"],
            "aud": by_name["audrey"],
            "appr": by_name["apollo"],
            "wkr": tokens["own"],
            **{f"@{n}": k for n, k in by_name.items()},
            "top:padm": by_name["tess"],
            "top:aud": by_name["tom"],
        },
        users=users,
        records={},
        access={},
        worker_tokens=tokens,
        workers={},
        client=client,
    )
    from labgate.web.assets import WebAssets

    w.static_name = sorted(WebAssets().static)[0]
    w.app = app

    # records at each label: lower and equal by alice, higher by hugo (all in PRJ-ALPHA), and
    # one of the other lab's
    for name, model, label, slot in (
        ("alice", "m-sec", LOWER, "lower"),
        ("alice", "m-sec", EQUAL, "equal"),
        ("hugo", "m-nuc", HIGHER, "higher"),
        ("carol", "m-sec", EQUAL, "other"),
    ):
        r = await w.chat(by_name[name], model, label, _ask())
        assert r.status_code == 200, r.text
        w.records[slot] = await w.record_of(r)
    # and a refused attempt above alice's clearance: its usage row is SECRET//NUC work too
    r = await w.chat(by_name["alice"], "m-nuc", HIGHER, _ask())
    assert r.status_code in (403, 404), r.text
    await services.usage.flush()

    # the guardrail's queue holds a flag on hugo's SECRET//NUC request and one on carol's
    for name, lab, model, slot in (
        ("hugo", OWN_LAB, "m-nuc", "higher"),
        ("carol", OTHER_LAB, "m-sec", "other"),
    ):
        data = orjson.loads((await services.audit.get_record(w.records[slot])).data)
        await _flag(w, name, lab, model, "flag", data["request_id"])

    # the auditor's approved requests (filed by audrey, approved by aldo)
    control = services.audit_access
    audrey = w.principal("audrey", OWN_LAB, ["user", "auditor"])
    aldo = w.principal("aldo", OWN_LAB, ["user", "auditor"])
    from labgate.audit.access import AccessScope

    for slot, project, indices in (
        ("own", OWN_PROJECT, [w.records["lower"], w.records["equal"], w.records["higher"]]),
        ("other", OTHER_PROJECT, [w.records["other"]]),
    ):
        filed = await control.file_request(
            audrey,
            reason="matrix: reading what the table says may be read",
            scope=AccessScope(project, frozenset(indices)),
            duration=timedelta(hours=1),
        )
        await control.approve(aldo, filed.id)
        w.access[slot] = filed.id
    # aldo's own approved request (approved by audrey): nobody else reads under it
    filed = await control.file_request(
        aldo,
        reason="matrix: aldo's own reading of the SECRET record",
        scope=AccessScope(OWN_PROJECT, frozenset({w.records["equal"]})),
        duration=timedelta(hours=1),
    )
    await control.approve(audrey, filed.id)
    w.access["aldo"] = filed.id

    # tom, an auditor cleared TOP SECRET//NUC, asks (through the API, as anyone would) for the
    # SECRET//NUC record: his request names the model in its reason; a SECRET auditor may not
    # see it
    r = await client.post(
        "/v1/audit/access-requests",
        headers={"Authorization": f"Bearer {by_name['tom']}"},
        json={
            "reason": "review of the m-nuc answers of PRJ-ALPHA",
            "project": OWN_PROJECT,
            "indices": [w.records["higher"]],
        },
    )
    assert r.status_code == 201, r.text

    # workers: one registered with the caller's token, one with another token of the same
    # model, the model's configured worker, and another model's configured worker
    for slot, token in (("own", tokens["own"]), ("another", tokens["another"])):
        w.workers[slot] = await _register(w, token, f"{NOWHERE}/{slot}")
    w.workers["configured"] = next(
        wk.worker_id
        for wk in services.router.pools["m-wk"].workers.values()
        if wk.source != "registered"
    )
    w.workers["other-model"] = next(iter(services.router.pools["m-sec"].workers))

    # a signed checkpoint exists before the table runs
    import asyncio

    for _ in range(200):
        if await services.audit.latest_checkpoint() is not None:
            break
        await asyncio.sleep(0.05)
    return w


async def _register(
    w: World, token: str, base_url: str, model: str = "m-wk", job: str | None = None
) -> str:
    jobs = {w.worker_tokens["own"]: "job-own", w.worker_tokens["another"]: "job-another"}
    r = await w.client.post(
        "/internal/workers/register",
        headers={"Authorization": f"Bearer {token}"},
        json={"model": model, "base_url": base_url, "job_id": job or jobs.get(token)},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["worker_id"])


# ----------------------------------------------------------------------------- the calls


@dataclass
class Call:
    """One request, and (for a change) how to tell whether it took effect."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    effect: Callable[[], Awaitable[bool]] | None = None
    hidden: tuple[str, ...] = ()
    files: dict[str, Any] | None = None  # a multipart upload
    data: dict[str, Any] | None = None
    worker_token: str | None = None  # the wkr column's credential, when the cell needs its own
    cleared: bool = False  # called by the caller's counterpart cleared for the whole range


Builder = Callable[[World, str], Awaitable[Call]]
CASES: dict[str, Builder] = {}


def case(row: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        key = _norm(row)
        assert key not in CASES, key
        CASES[key] = fn
        return fn

    return register


def get(
    row: str,
    path: str | Callable[[World], str],
    *,
    hidden: tuple[str, ...] = (),
    params: dict[str, Any] | None = None,
    cleared: bool = False,
) -> None:
    """A plain read: ``path`` (or ``path(world)``) with ``params``; ``cleared``: by the
    caller's counterpart cleared for the whole range, where there is one."""

    async def build(w: World, role: str) -> Call:
        url = path(w) if callable(path) else path
        return Call("GET", url, params=params, hidden=hidden, cleared=cleared)

    case(row)(build)


ALL = ("nuc", "hugo", "beta")

# -- system and pages
get("GET /healthz", "/healthz")
for _path in ("/readyz", "/metrics", "/openapi.json"):
    get(f"GET {_path}", _path, hidden=ALL)
get("GET /metrics · caller cleared for the whole range", "/metrics", cleared=True)
for _path in ("/", "/admin", "/console", "/batches", "/web/config", "/web/banners.css"):
    get(f"GET {_path}", _path, hidden=ALL)
get(
    "GET /web/static/{name} · a script of the pages",
    lambda w: f"/web/static/{w.static_name}",
    hidden=ALL,
)
get("GET /web/static/{name} · traversal to a file outside", "/web/static/..%2f..%2fconfig.py")

# -- signing in to the pages
get("GET /web/signin", "/web/signin", hidden=ALL)
get("GET /web/signin/{index} · an issuer that is not configured", "/web/signin/7")
get("GET /web/callback · a state never issued", "/web/callback", params={"code": "x", "state": "y"})
get("GET /web/session · no session cookie", "/web/session", hidden=ALL)


@case("POST /web/signout · no session cookie")
async def _signout(w: World, role: str) -> Call:
    return Call("POST", "/web/signout", hidden=ALL)


# -- the chat page's saved conversations


def _conversation(label: str | None, title: str = "notes") -> dict[str, Any]:
    return {
        "title": title,
        "label": label,
        "messages": [
            {"role": "user", "content": _ask()[0]["content"]},
            {"role": "assistant", "content": "an answer", "labgate_label": label},
        ],
    }


async def _save_conversation(w: World, owner: str, label: str, title: str = "notes") -> str:
    r = await w.client.post(
        "/web/conversations",
        headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}"},
        json=_conversation(label, title),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _conversation_label(w: World, owner: str, cid: str) -> str | None:
    r = await w.client.get(
        f"/web/conversations/{cid}", headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}"}
    )
    return r.json().get("label") if r.status_code == 200 else "(gone)"


@case("GET /web/conversations")
async def _list_conversations(w: World, role: str) -> Call:
    # what others keep is never listed: hugo's SECRET//NUC notes and aldo's SECRET ones
    await _save_conversation(w, "hugo", HIGHER, "m-nuc review")
    await _save_conversation(w, "aldo", EQUAL, "m-nuc is not his either")
    return Call("GET", "/web/conversations", hidden=("nuc",))


def _post_conversation(row: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        return Call("POST", "/web/conversations", json=_conversation(label))

    case(row)(build)


_post_conversation("POST /web/conversations · lower label", LOWER)
_post_conversation("POST /web/conversations · equal label", EQUAL)
_post_conversation("POST /web/conversations · higher label", HIGHER)


def _one_conversation(row: str, method: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        owner = SELF.get(role, "alice") if whose == "own" else "aldo"
        cid = await _save_conversation(w, owner, EQUAL, "kept")
        effect = None
        body = None
        if method == "PUT":
            body = _conversation(LOWER, "changed")

            async def changed() -> bool:
                label = await _conversation_label(w, owner, cid)
                return label == EQUAL if whose == "own" else label != EQUAL

            # own: accepted, and still at its SECRET mark; another's: refused, untouched
            effect = changed if whose == "own" else None
        if method == "DELETE":

            async def deleted() -> bool:
                return await _conversation_label(w, owner, cid) == "(gone)"

            effect = deleted
        return Call(method, f"/web/conversations/{cid}", json=body, effect=effect)

    case(row)(build)


_one_conversation("GET /web/conversations/{cid} · own", "GET", "own")
_one_conversation("GET /web/conversations/{cid} · another user's", "GET", "another")
_one_conversation(
    "PUT /web/conversations/{cid} · own, sent back with a lower label (kept at its mark)",
    "PUT",
    "own",
)
_one_conversation("PUT /web/conversations/{cid} · another user's", "PUT", "another")
_one_conversation("DELETE /web/conversations/{cid} · own", "DELETE", "own")
_one_conversation("DELETE /web/conversations/{cid} · another user's", "DELETE", "another")

# -- OpenAI routes
get("GET /v1/models", "/v1/models", hidden=("nuc",))
get("GET /v1/models/{model_id} · lower (m-open)", "/v1/models/m-open")
get("GET /v1/models/{model_id} · equal (m-sec)", "/v1/models/m-sec")
get("GET /v1/models/{model_id} · higher (m-nuc)", "/v1/models/m-nuc")
# (httpx resolves a literal "../" itself: the slashes are sent encoded, as an attacker would)
get("GET /v1/models/{model_id} · traversal to an admin route", "/v1/models/..%2fadmin%2fusers")


def _chat(row: str, model: str, label: str, stream: bool = False) -> None:
    async def build(w: World, role: str) -> Call:
        body = {"model": model, "messages": _ask(), "max_tokens": 16}
        if stream:
            body["stream"] = True
        return Call("POST", "/v1/chat/completions", json=body, headers={"X-Labgate-Label": label})

    case(row)(build)


_chat("POST /v1/chat/completions · lower label", "m-sec", LOWER)
_chat("POST /v1/chat/completions · equal label", "m-sec", EQUAL)
_chat("POST /v1/chat/completions · higher label", "m-nuc", HIGHER)
_chat("POST /v1/chat/completions · equal label, model below it", "m-open", EQUAL)
_chat("POST /v1/chat/completions · equal label, streamed", "m-sec", EQUAL, stream=True)
_chat("POST /v1/chat/completions · higher label, streamed", "m-nuc", HIGHER, stream=True)


def _chat_body_label(row: str, header: str | None) -> None:
    async def build(w: World, role: str) -> Call:
        return Call(
            "POST",
            "/v1/chat/completions",
            json={"model": "m-nuc", "messages": _ask(), "labgate_label": HIGHER, "max_tokens": 8},
            headers={"X-Labgate-Label": header} if header else {},
        )

    case(row)(build)


_chat_body_label("POST /v1/chat/completions · higher label in the body", None)
_chat_body_label("POST /v1/chat/completions · lower label header, higher in the body", LOWER)


@case("POST /v1/chat/completions · other lab's project named in X-Labgate-Project")
async def _chat_other_project(w: World, role: str) -> Call:
    """An API key is charged to its own project, whatever the request names."""
    user = w.users[SELF.get(role, "alice")]

    async def charged_elsewhere() -> bool:
        from labgate.store.tenancy import UsageEvent

        await w.services.usage.flush()
        async with w.services.sessions() as s:
            rows = await s.execute(
                select(UsageEvent.id).where(
                    UsageEvent.user_id == user, UsageEvent.project_id == OTHER_PROJECT
                )
            )
            return rows.first() is None  # "ok" means: nothing charged to the other lab

    return Call(
        "POST",
        "/v1/chat/completions",
        json={"model": "m-sec", "messages": _ask(), "max_tokens": 8},
        headers={"X-Labgate-Project": OTHER_PROJECT},
        effect=charged_elsewhere,
    )


def _resent(row: str, label: str | None, how: str = "as given") -> None:
    async def build(w: World, role: str) -> Call:
        first = _ask("Summarise the program's test results")
        answer = "(no answer)"
        key = w.keys[role]
        if key and role != "wkr":
            r = await w.chat(key, "m-sec", EQUAL, first)
            assert r.status_code == 200, r.text
            answer = r.json()["choices"][0]["message"]["content"]
        if how == "trailing space":
            messages = [*first, {"role": "assistant", "content": answer + " "}]
        elif how == "as the user's turn":
            messages = [*first, {"role": "user", "content": answer}]
        else:
            messages = [*first, {"role": "assistant", "content": answer}]
        messages += _ask("And in short?")
        headers = {"X-Labgate-Label": label} if label else {}
        return Call(
            "POST",
            "/v1/chat/completions",
            json={"model": "m-open", "messages": messages, "max_tokens": 16},
            headers=headers,
        )

    case(row)(build)


_resent("POST /v1/chat/completions · equal conversation resent lower", LOWER)
_resent("POST /v1/chat/completions · equal conversation resent unlabelled", None)
_resent(
    "POST /v1/chat/completions · equal answer resent lower with a trailing space",
    LOWER,
    "trailing space",
)
_resent(
    "POST /v1/chat/completions · equal answer resent lower as the user's own turn",
    LOWER,
    "as the user's turn",
)


def _completion(row: str, model: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        return Call(
            "POST",
            "/v1/completions",
            json={"model": model, "prompt": _ask()[0]["content"], "max_tokens": 16},
            headers={"X-Labgate-Label": label},
        )

    case(row)(build)


_completion("POST /v1/completions · lower label", "m-sec", LOWER)
_completion("POST /v1/completions · equal label", "m-sec", EQUAL)
_completion("POST /v1/completions · higher label", "m-nuc", HIGHER)


@case("POST /v1/completions · equal answer resent lower as the prompt")
async def _completion_resent(w: World, role: str) -> Call:
    answer = "(no answer)"
    key = w.keys[role]
    if key and role != "wkr":
        r = await w.chat(key, "m-sec", EQUAL, _ask("Summarise the program's test results"))
        assert r.status_code == 200, r.text
        answer = r.json()["choices"][0]["message"]["content"]
    return Call(
        "POST",
        "/v1/completions",
        json={"model": "m-open", "prompt": answer, "max_tokens": 8},
        headers={"X-Labgate-Label": LOWER},
    )


# -- stored responses (the Responses API)


async def _store_response(w: World, key: str, label: str = EQUAL) -> str:
    """A stored response of the key's holder, at ``label``: its id."""
    r = await w.client.post(
        "/v1/responses",
        headers={"Authorization": f"Bearer {key}", "X-Labgate-Label": label},
        json={"model": "m-sec", "input": _ask()[0]["content"], "max_output_tokens": 16},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def _respond(row: str, model: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        return Call(
            "POST",
            "/v1/responses",
            json={"model": model, "input": _ask()[0]["content"], "max_output_tokens": 16},
            headers={"X-Labgate-Label": label},
        )

    case(row)(build)


_respond("POST /v1/responses · lower label", "m-sec", LOWER)
_respond("POST /v1/responses · equal label", "m-sec", EQUAL)
_respond("POST /v1/responses · higher label", "m-nuc", HIGHER)


def _owned_by(role: str, whose: str) -> str:
    """Whose response a cell touches: the caller's own, bob's (same lab) or carol's."""
    if whose == "own":
        return SELF.get(role, "alice")
    return "carol" if whose == "other lab" else "aldo"


def _continue(row: str, whose: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        owner = _owned_by(role, whose)
        rid = await _store_response(w, w.keys[f"@{owner}"], EQUAL)
        return Call(
            "POST",
            "/v1/responses",
            json={
                "model": "m-open" if label == LOWER else "m-sec",
                "input": _ask("And in short?")[0]["content"],
                "previous_response_id": rid,
                "max_output_tokens": 16,
            },
            headers={"X-Labgate-Label": label},
        )

    case(row)(build)


_continue("POST /v1/responses · own equal response continued lower", "own", LOWER)
_continue("POST /v1/responses · another user's response continued", "another", EQUAL)


def _stored(row: str, method: str, suffix: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        owner = _owned_by(role, whose)
        rid = await _store_response(w, w.keys[f"@{owner}"], EQUAL)
        effect = None
        if method == "DELETE":

            async def gone() -> bool:
                r = await w.client.get(
                    f"/v1/responses/{rid}",
                    headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}"},
                )
                return r.status_code == 404

            effect = gone
        return Call(method, f"/v1/responses/{rid}{suffix}", effect=effect)

    case(row)(build)


_stored("GET /v1/responses/{rid} · own", "GET", "", "own")
_stored("GET /v1/responses/{rid} · another user's", "GET", "", "another")
_stored("GET /v1/responses/{rid} · other lab's user's", "GET", "", "other lab")
_stored("GET /v1/responses/{rid}/input_items · own", "GET", "/input_items", "own")
_stored("GET /v1/responses/{rid}/input_items · another user's", "GET", "/input_items", "another")
_stored("DELETE /v1/responses/{rid} · own", "DELETE", "", "own")
_stored("DELETE /v1/responses/{rid} · another user's", "DELETE", "", "another")


# -- embeddings


def _embed(row: str, model: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        return Call(
            "POST",
            "/v1/embeddings",
            json={"model": model, "input": _ask()[0]["content"]},
            headers={"X-Labgate-Label": label},
        )

    case(row)(build)


_embed("POST /v1/embeddings · lower label", "m-emb", LOWER)
_embed("POST /v1/embeddings · equal label", "m-emb", EQUAL)
_embed("POST /v1/embeddings · higher label", "m-emb", HIGHER)
_embed("POST /v1/embeddings · a chat model", "m-sec", EQUAL)


@case("POST /v1/embeddings · equal answer resent lower as the input")
async def _embed_resent(w: World, role: str) -> Call:
    answer = "(no answer)"
    key = w.keys[role]
    if key and role != "wkr":
        r = await w.chat(key, "m-sec", EQUAL, _ask("Summarise the program's test results"))
        assert r.status_code == 200, r.text
        answer = r.json()["choices"][0]["message"]["content"]
    return Call(
        "POST",
        "/v1/embeddings",
        json={"model": "m-emb", "input": answer},
        headers={"X-Labgate-Label": LOWER},
    )


# -- batch files and batches


def _jsonl(model: str = "m-sec") -> bytes:
    line = {
        "custom_id": "1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": _ask(), "max_tokens": 8},
    }
    return orjson.dumps(line) + b"\n"


def _upload(name: str = "batch.jsonl") -> dict[str, Any]:
    return {"file": (name, _jsonl(), "application/jsonl")}


async def _own_file(w: World, owner: str, label: str = EQUAL, name: str = "batch.jsonl") -> str:
    r = await w.client.post(
        "/v1/files",
        headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}", "X-Labgate-Label": label},
        files=_upload(name),
        data={"purpose": "batch"},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def _own_batch(w: World, owner: str) -> str:
    fid = await _own_file(w, owner)
    r = await w.client.post(
        "/v1/batches",
        headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}"},
        json={"input_file_id": fid, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def _owner(role: str, whose: str) -> str:
    return SELF.get(role, "alice") if whose == "own" else "aldo"


def _post_file(row: str, label: str) -> None:
    async def build(w: World, role: str) -> Call:
        return Call(
            "POST",
            "/v1/files",
            headers={"X-Labgate-Label": label},
            files=_upload(),
            data={"purpose": "batch"},
        )

    case(row)(build)


_post_file("POST /v1/files · lower label", LOWER)
_post_file("POST /v1/files · equal label", EQUAL)
_post_file("POST /v1/files · higher label", HIGHER)


@case("GET /v1/files")
async def _list_files(w: World, role: str) -> Call:
    await _own_file(w, "hugo", HIGHER, "m-nuc.jsonl")
    await _own_file(w, "aldo", EQUAL, "m-nuc-too.jsonl")
    return Call("GET", "/v1/files", hidden=("nuc",))


def _file_op(row: str, method: str, suffix: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        owner = _owner(role, whose)
        fid = await _own_file(w, owner)
        effect = None
        if method == "DELETE":

            async def gone() -> bool:
                r = await w.client.get(
                    f"/v1/files/{fid}", headers={"Authorization": f"Bearer {w.keys[f'@{owner}']}"}
                )
                return r.status_code == 404

            effect = gone
        return Call(method, f"/v1/files/{fid}{suffix}", effect=effect)

    case(row)(build)


for _whose, _name in (("own", "own"), ("another", "another user's")):
    _file_op(f"GET /v1/files/{{fid}} · {_name}", "GET", "", _whose)
    _file_op(f"GET /v1/files/{{fid}}/content · {_name}", "GET", "/content", _whose)
    _file_op(f"DELETE /v1/files/{{fid}} · {_name}", "DELETE", "", _whose)


def _post_batch(row: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        fid = await _own_file(w, _owner(role, whose))
        body = {
            "input_file_id": fid,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        }
        return Call("POST", "/v1/batches", json=body)

    case(row)(build)


_post_batch("POST /v1/batches · own file", "own")
_post_batch("POST /v1/batches · another user's file", "another")
get("GET /v1/batches", "/v1/batches", hidden=("nuc",))


def _batch_op(row: str, method: str, suffix: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        bid = await _own_batch(w, _owner(role, whose))
        return Call(method, f"/v1/batches/{bid}{suffix}")

    case(row)(build)


for _whose, _name in (("own", "own"), ("another", "another user's")):
    _batch_op(f"GET /v1/batches/{{bid}} · {_name}", "GET", "", _whose)
    _batch_op(f"POST /v1/batches/{{bid}}/cancel · {_name}", "POST", "/cancel", _whose)


# -- administration: labs
get("GET /v1/admin/whoami", "/v1/admin/whoami")
get("GET /v1/admin/labs", "/v1/admin/labs", hidden=("beta",))
get("GET /v1/admin/labs/{lab_id} · own", f"/v1/admin/labs/{OWN_LAB}")
get("GET /v1/admin/labs/{lab_id} · other", f"/v1/admin/labs/{OTHER_LAB}")


@case("POST /v1/admin/labs")
async def _create_lab(w: World, role: str) -> Call:
    lab = "lab-" + uuid.uuid4().hex[:8]

    async def made() -> bool:
        async with w.services.sessions() as s:
            return await s.get(Lab, lab) is not None

    return Call("POST", "/v1/admin/labs", json={"id": lab}, effect=made)


def _patch_lab(row: str, lab: str) -> None:
    async def build(w: World, role: str) -> Call:
        name = "renamed-" + uuid.uuid4().hex[:6]

        async def renamed() -> bool:
            async with w.services.sessions() as s:
                found = await s.get(Lab, lab)
                return found is not None and found.name == name

        return Call("PATCH", f"/v1/admin/labs/{lab}", json={"name": name}, effect=renamed)

    case(row)(build)


_patch_lab("PATCH /v1/admin/labs/{lab_id} · own", OWN_LAB)
_patch_lab("PATCH /v1/admin/labs/{lab_id} · other", OTHER_LAB)

# -- users
get("GET /v1/admin/users", "/v1/admin/users", hidden=("beta",))
get(
    "GET /v1/admin/users · other lab named",
    "/v1/admin/users",
    params={"lab": OTHER_LAB},
    hidden=("beta",),
)


def _create_user(row: str, lab: str, **extra: Any) -> None:
    async def build(w: World, role: str) -> Call:
        name = "new-" + uuid.uuid4().hex[:8]

        async def made() -> bool:
            async with w.services.sessions() as s:
                found = (
                    await s.execute(select(User).where(User.lab_id == lab, User.username == name))
                ).scalar_one_or_none()
            return found is not None and (
                found.clearance == extra.get("clearance")
                and sorted(found.roles or []) == sorted(extra.get("roles", ["user"]))
            )

        return Call(
            "POST", "/v1/admin/users", json={"lab_id": lab, "username": name, **extra}, effect=made
        )

    case(row)(build)


_create_user("POST /v1/admin/users · own, no clearance", OWN_LAB)
_create_user("POST /v1/admin/users · other, no clearance", OTHER_LAB)
_create_user("POST /v1/admin/users · own, clearance lower", OWN_LAB, clearance="CUI")
_create_user("POST /v1/admin/users · own, clearance equal", OWN_LAB, clearance=EQUAL)
_create_user("POST /v1/admin/users · own, clearance higher", OWN_LAB, clearance="TOP SECRET//NUC")
_create_user("POST /v1/admin/users · own, role auditor", OWN_LAB, roles=["user", "auditor"])

SELF = {
    "user": "alice",
    "lead": "lena",
    "ladm": "olga",
    "padm": "pat",
    "aud": "audrey",
    "appr": "apollo",
}


def _self_id(w: World, role: str) -> str:
    return w.users[SELF.get(role, "alice")]


@case("GET /v1/admin/users/{user_id} · self")
async def _get_self(w: World, role: str) -> Call:
    return Call("GET", f"/v1/admin/users/{_self_id(w, role)}")


get("GET /v1/admin/users/{user_id} · own", lambda w: f"/v1/admin/users/{w.users['bob']}")
get("GET /v1/admin/users/{user_id} · other", lambda w: f"/v1/admin/users/{w.users['carol']}")
get("GET /v1/admin/users/{user_id} · traversal in the id", "/v1/admin/users/..%2f..%2flabs")


def _patch_user(
    row: str,
    target: str,
    body: dict[str, Any],
    took: Callable[[User], bool],
    start_clearance: str | None = CLEARANCE,
) -> None:
    """PATCH a user: ``target`` is "self", or the lab of a fresh user of its own."""

    async def build(w: World, role: str) -> Call:
        if target == "self":
            uid = _self_id(w, role)
        else:
            uid = await w.new_user(target, clearance=start_clearance)

        async def changed() -> bool:
            return took(await w.user_row(uid))

        return Call("PATCH", f"/v1/admin/users/{uid}", json=body, effect=changed)

    case(row)(build)


def _has_role(role: str) -> Callable[[User], bool]:
    return lambda u: role in (u.roles or [])


_patch_user(
    "PATCH /v1/admin/users/{user_id} · self, clearance higher",
    "self",
    {"clearance": "TOP SECRET//NUC"},
    lambda u: u.clearance == "TOP SECRET//NUC",
)
# the next role up that the caller does not hold yet
NOT_HELD = {
    "appr": "auditor",
    "user": "lab_admin",
    "lead": "lab_admin",
    "ladm": "auditor",
    "padm": "auditor",
    "aud": "platform_admin",
}


@case("PATCH /v1/admin/users/{user_id} · self, a role not held")
async def _self_role(w: World, role: str) -> Call:
    uid = _self_id(w, role)
    held = list((await w.user_row(uid)).roles or [])
    wanted = NOT_HELD.get(role, "lab_admin")

    async def raised() -> bool:
        return wanted in ((await w.user_row(uid)).roles or [])

    return Call("PATCH", f"/v1/admin/users/{uid}", json={"roles": [*held, wanted]}, effect=raised)


_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, clearance lowered",
    OWN_LAB,
    {"clearance": "CUI"},
    lambda u: u.clearance == "CUI",
)
_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, clearance raised equal",
    OWN_LAB,
    {"clearance": EQUAL},
    lambda u: u.clearance == EQUAL,
    start_clearance="CUI",
)
_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, clearance raised higher",
    OWN_LAB,
    {"clearance": "TOP SECRET//NUC"},
    lambda u: u.clearance == "TOP SECRET//NUC",
)
_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, role auditor",
    OWN_LAB,
    {"roles": ["user", "auditor"]},
    _has_role("auditor"),
)
_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, disabled",
    OWN_LAB,
    {"disabled": True},
    lambda u: bool(u.disabled),
)
_patch_user(
    "PATCH /v1/admin/users/{user_id} · own, role lab_admin",
    OWN_LAB,
    {"roles": ["user", "lab_admin"]},
    _has_role("lab_admin"),
)


@case("PATCH /v1/admin/users/{user_id} · own platform admin, disabled")
async def _disable_platform_admin(w: World, role: str) -> Call:
    uid = await w.new_user(OWN_LAB, roles=["user", "platform_admin"], clearance=CLEARANCE)

    async def disabled() -> bool:
        return bool((await w.user_row(uid)).disabled)

    return Call("PATCH", f"/v1/admin/users/{uid}", json={"disabled": True}, effect=disabled)


_patch_user(
    "PATCH /v1/admin/users/{user_id} · other, disabled",
    OTHER_LAB,
    {"disabled": True},
    lambda u: bool(u.disabled),
)

# -- projects
get("GET /v1/admin/projects", "/v1/admin/projects", hidden=("beta",))
get(
    "GET /v1/admin/projects · other lab named",
    "/v1/admin/projects",
    params={"lab": OTHER_LAB},
    hidden=("beta",),
)
get("GET /v1/admin/projects/{project_id} · own", f"/v1/admin/projects/{OWN_PROJECT}")
get("GET /v1/admin/projects/{project_id} · other", f"/v1/admin/projects/{OTHER_PROJECT}")


def _create_project(row: str, lab: str) -> None:
    async def build(w: World, role: str) -> Call:
        pid = "N-" + uuid.uuid4().hex[:8]

        async def made() -> bool:
            async with w.services.sessions() as s:
                return await s.get(Project, pid) is not None

        return Call("POST", "/v1/admin/projects", json={"id": pid, "lab_id": lab}, effect=made)

    case(row)(build)


_create_project("POST /v1/admin/projects · own", OWN_LAB)
_create_project("POST /v1/admin/projects · other", OTHER_LAB)


@case("POST /v1/admin/projects · own, lead from other lab")
async def _project_foreign_lead(w: World, role: str) -> Call:
    pid = "N-" + uuid.uuid4().hex[:8]
    lead = await w.new_user(OTHER_LAB, clearance=CLEARANCE)

    async def joined() -> bool:
        return await w.is_member(pid, lead)

    return Call(
        "POST",
        "/v1/admin/projects",
        json={"id": pid, "lab_id": OWN_LAB, "lead_user_id": lead},
        effect=joined,
    )


@case("PATCH /v1/admin/projects/{project_id} · own, lead from other lab")
async def _project_foreign_new_lead(w: World, role: str) -> Call:
    pid = await w.new_project(OWN_LAB)
    lead = await w.new_user(OTHER_LAB, clearance=CLEARANCE)

    async def joined() -> bool:
        return await w.is_member(pid, lead)

    return Call("PATCH", f"/v1/admin/projects/{pid}", json={"lead_user_id": lead}, effect=joined)


def _project_change(
    row: str,
    lab: str,
    method: str,
    suffix: str,
    body: dict[str, Any],
    took: Callable[[Project], bool],
) -> None:
    async def build(w: World, role: str) -> Call:
        pid = await w.new_project(lab)

        async def changed() -> bool:
            async with w.services.sessions() as s:
                found = await s.get(Project, pid)
                return found is not None and took(found)

        return Call(method, f"/v1/admin/projects/{pid}{suffix}", json=body, effect=changed)

    case(row)(build)


for _scope, _lab in (("own", OWN_LAB), ("other", OTHER_LAB)):
    _project_change(
        f"PATCH /v1/admin/projects/{{project_id}} · {_scope}",
        _lab,
        "PATCH",
        "",
        {"name": "renamed"},
        lambda p: p.name == "renamed",
    )
    _project_change(
        f"PUT /v1/admin/projects/{{project_id}}/allocation · {_scope}",
        _lab,
        "PUT",
        "/allocation",
        {"budget_tokens": 12345},
        lambda p: p.budget_tokens == 12345,
    )
    _project_change(
        f"PATCH /v1/admin/projects/{{project_id}}/limits · {_scope}",
        _lab,
        "PATCH",
        "/limits",
        {"rpm_limit": 77},
        lambda p: p.rpm_limit == 77,
    )

# -- members
get(
    "GET /v1/admin/projects/{project_id}/members · own", f"/v1/admin/projects/{OWN_PROJECT}/members"
)
get(
    "GET /v1/admin/projects/{project_id}/members · other",
    f"/v1/admin/projects/{OTHER_PROJECT}/members",
)


def _add_member(row: str, project: str, user_lab: str) -> None:
    async def build(w: World, role: str) -> Call:
        uid = await w.new_user(user_lab, clearance=CLEARANCE)

        async def added() -> bool:
            return await w.is_member(project, uid)

        return Call(
            "POST", f"/v1/admin/projects/{project}/members", json={"user_id": uid}, effect=added
        )

    case(row)(build)


_add_member("POST /v1/admin/projects/{project_id}/members · own, own user", OWN_PROJECT, OWN_LAB)
_add_member(
    "POST /v1/admin/projects/{project_id}/members · own, other user", OWN_PROJECT, OTHER_LAB
)
_add_member(
    "POST /v1/admin/projects/{project_id}/members · other, other user", OTHER_PROJECT, OTHER_LAB
)


def _remove_member(row: str, project: str, lab: str) -> None:
    async def build(w: World, role: str) -> Call:
        uid = await w.new_user(lab)
        await w.add_member(project, uid)

        async def removed() -> bool:
            return not await w.is_member(project, uid)

        return Call("DELETE", f"/v1/admin/projects/{project}/members/{uid}", effect=removed)

    case(row)(build)


_remove_member(
    "DELETE /v1/admin/projects/{project_id}/members/{user_id} · own", OWN_PROJECT, OWN_LAB
)
_remove_member(
    "DELETE /v1/admin/projects/{project_id}/members/{user_id} · other", OTHER_PROJECT, OTHER_LAB
)

# -- keys
get("GET /v1/admin/keys", "/v1/admin/keys", hidden=("beta",))
get(
    "GET /v1/admin/keys · other lab's user named",
    lambda w: f"/v1/admin/keys?user={w.users['carol']}",
    hidden=("beta",),
)


def _create_key(row: str, whose: str, project: str) -> None:
    async def build(w: World, role: str) -> Call:
        if whose == "self":
            uid = _self_id(w, role)
        else:
            clearance = "TOP SECRET//NUC" if whose == "cleared above" else CLEARANCE
            uid = await w.new_user(OWN_LAB, clearance=clearance)
            await w.add_member(project, uid)
        before = await w.keys_of(uid)

        async def minted() -> bool:
            return await w.keys_of(uid) > before

        return Call(
            "POST", "/v1/admin/keys", json={"user_id": uid, "project_id": project}, effect=minted
        )

    case(row)(build)


_create_key("POST /v1/admin/keys · self, own project", "self", OWN_PROJECT)
_create_key("POST /v1/admin/keys · another member of own project", "member", OWN_PROJECT)
_create_key("POST /v1/admin/keys · a member cleared above the caller", "cleared above", OWN_PROJECT)
_create_key("POST /v1/admin/keys · self, other lab's project", "self", OTHER_PROJECT)


def _revoke_key(row: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        if whose == "self":
            uid, project = _self_id(w, role), OWN_PROJECT
        elif whose == "member":
            uid, project = await w.new_user(OWN_LAB), OWN_PROJECT
            await w.add_member(project, uid)
        else:
            uid, project = await w.new_user(OTHER_LAB), OTHER_PROJECT
            await w.add_member(project, uid)
        _, key_id = await w.new_key(uid, project)

        async def revoked() -> bool:
            return await w.key_revoked(key_id)

        return Call("DELETE", f"/v1/admin/keys/{key_id}", effect=revoked)

    case(row)(build)


_revoke_key("DELETE /v1/admin/keys/{key_id} · self", "self")
_revoke_key("DELETE /v1/admin/keys/{key_id} · another member of own project", "member")
_revoke_key("DELETE /v1/admin/keys/{key_id} · other lab's user", "other")


@case("DELETE /v1/admin/keys/{key_id} · integer overflow in the id")
async def _revoke_overflow(w: World, role: str) -> Call:
    return Call("DELETE", "/v1/admin/keys/" + "9" * 40)


# -- approvals


async def _file_grant(w: World, uid: str, clearance: str) -> str:
    """pia, a second platform admin, asks for ``clearance`` for ``uid``: the pending id."""
    r = await w.client.patch(
        f"/v1/admin/users/{uid}",
        headers={"Authorization": f"Bearer {w.keys['@pia']}"},
        json={"clearance": clearance},
    )
    assert r.status_code == 202, r.text
    return str(r.json()["pending_grant"]["id"])


async def _status_of(w: World, action_id: str) -> str:
    r = await w.client.get(
        f"/v1/admin/approvals/{action_id}", headers={"Authorization": f"Bearer {w.keys['@pia']}"}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


get("GET /v1/admin/approvals", "/v1/admin/approvals", hidden=("beta",))


def _see_grant(row: str, lab: str) -> None:
    async def build(w: World, role: str) -> Call:
        uid = await w.new_user(lab)
        return Call("GET", f"/v1/admin/approvals/{await _file_grant(w, uid, 'CUI')}")

    case(row)(build)


_see_grant("GET /v1/admin/approvals/{action_id} · a grant in own lab", OWN_LAB)
_see_grant("GET /v1/admin/approvals/{action_id} · a grant in other lab", OTHER_LAB)


def _decide_grant(row: str, decision: str, about: str) -> None:
    async def build(w: World, role: str) -> Call:
        if about == "self" and role in SELF:
            uid = _self_id(w, role)
            # a raise (a lowering takes effect at once, with no approval); a wrongly approved
            # cell would leave the caller at TOP SECRET, still without NUC
            clearance = "TOP SECRET"
        else:
            uid, clearance = await w.new_user(OWN_LAB, clearance="CUI"), EQUAL
        action_id = await _file_grant(w, uid, clearance)
        done = "approved" if decision == "approve" else "rejected"

        async def decided() -> bool:
            return await _status_of(w, action_id) == done

        return Call("POST", f"/v1/admin/approvals/{action_id}/{decision}", effect=decided)

    case(row)(build)


_decide_grant(
    "POST /v1/admin/approvals/{action_id}/approve · another platform admin's grant",
    "approve",
    "other",
)
_decide_grant(
    "POST /v1/admin/approvals/{action_id}/approve · a grant about oneself", "approve", "self"
)
_decide_grant(
    "POST /v1/admin/approvals/{action_id}/reject · another platform admin's grant",
    "reject",
    "other",
)


@case("POST /v1/admin/approvals/{action_id}/approve · other lab's admin adding own user")
async def _approve_member(w: World, role: str) -> Call:
    uid = await w.new_user(OWN_LAB, clearance=CLEARANCE)
    r = await w.client.post(
        f"/v1/admin/projects/{OTHER_PROJECT}/members",
        headers={"Authorization": f"Bearer {w.keys['@arno']}"},
        json={"user_id": uid},
    )
    assert r.status_code == 202, r.text
    action_id = r.json()["id"]

    async def joined() -> bool:
        return await w.is_member(OTHER_PROJECT, uid)

    return Call("POST", f"/v1/admin/approvals/{action_id}/approve", effect=joined)


# -- reports and state
get(
    "GET /v1/admin/usage · by model",
    "/v1/admin/usage",
    params={"group_by": "model"},
    hidden=("nuc", "beta"),
)
get(
    "GET /v1/admin/usage · by user",
    "/v1/admin/usage",
    params={"group_by": "user"},
    hidden=("hugo", "beta"),
)
get(
    "GET /v1/admin/usage · by user, other lab named",
    "/v1/admin/usage",
    params={"group_by": "user", "lab": OTHER_LAB},
    hidden=("hugo", "beta"),
)
get(
    "GET /v1/admin/usage · by project, as CSV",
    "/v1/admin/usage",
    params={"group_by": "project", "format": "csv"},
    hidden=("beta",),
)
get(
    "GET /v1/admin/scheduler · other lab named",
    "/v1/admin/scheduler",
    params={"lab": OTHER_LAB},
    hidden=("nuc", "beta"),
)
get("GET /v1/admin/workers", "/v1/admin/workers", hidden=("nuc",))


@case("GET /v1/admin/hpc/jobs · jobs of a model below and one above the caller")
async def _hpc_jobs(w: World, role: str) -> Call:
    """A Slurm job of m-sec and one of m-nuc in ``hpc_jobs`` (as the controller writes them):
    the m-nuc job, its model's name with it, is left out for every SECRET caller."""
    import time

    from labgate.hpc.models import HpcJob

    async with w.services.sessions.begin() as s:
        for launch, model in (("a1b2c3d4e5f60001", "m-sec"), ("a1b2c3d4e5f60002", "m-nuc")):
            await s.merge(
                HpcJob(
                    launch_id=launch,
                    deployment="dep-" + model,
                    model=model,
                    phase="ready",
                    slurm_job_id=launch[-4:],
                    time_limit_s=3600,
                    submitted_at=time.time() - 60,
                    started_at=time.time() - 50,
                    ready_at=time.time() - 20,
                )
            )
    return Call("GET", "/v1/admin/hpc/jobs", hidden=("nuc",))
get("GET /v1/admin/scheduler", "/v1/admin/scheduler", hidden=("nuc", "beta"))

# -- the guardrail's review queue


async def _flag(w: World, user: str, lab: str, model: str, action: str, request_id: str) -> None:
    """A row of the review queue, as the guardrail writes one (the guardrail is off here)."""
    from labgate.safety.models import SafetyFlag

    async with w.services.sessions.begin() as s:
        s.add(
            SafetyFlag(
                created_at=datetime.now(UTC),
                request_id=request_id,
                user_id=w.users[user],
                lab=lab,
                project=OWN_PROJECT if lab == OWN_LAB else OTHER_PROJECT,
                model=model,
                direction="input",
                action=action,
                category="cbrn_nuclear",
                score=0.9,
                stage="classifier",
                decision={"action": action, "allowances_used": []},
                status="open",
            )
        )


get("GET /v1/safety/flags", "/v1/safety/flags", hidden=ALL)


def _report(row: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        request_id = "req-" + uuid.uuid4().hex
        owner = SELF.get(role, "alice") if whose == "own" else "bob"
        await _flag(w, owner, OWN_LAB, "m-sec", "block", request_id)

        async def filed() -> bool:
            from labgate.safety.models import SafetyFlag

            async with w.services.sessions() as s:
                found = await s.execute(
                    select(SafetyFlag.id).where(
                        SafetyFlag.request_id == request_id, SafetyFlag.action == "report"
                    )
                )
                return found.first() is not None

        return Call("POST", "/v1/safety/reports", json={"request_id": request_id}, effect=filed)

    case(row)(build)


_report("POST /v1/safety/reports · own refused request", "own")
_report("POST /v1/safety/reports · another user's refused request", "bob")


def _review(row: str, lab: str, model: str, whose: str = "other") -> None:
    """A decision on an open row of the queue: platform admins any lab's, lab admins their
    own lab's, nobody a row they cannot see (404) or one on their own request."""

    async def build(w: World, role: str) -> Call:
        from labgate.safety.models import SafetyFlag

        request_id = "req-" + uuid.uuid4().hex
        owner = (
            SELF.get(role, "alice") if whose == "own" else ("alice" if lab == OWN_LAB else "carol")
        )
        await _flag(w, owner, lab, model, "flag", request_id)
        async with w.services.sessions() as s:
            flag_id = (
                await s.execute(select(SafetyFlag.id).where(SafetyFlag.request_id == request_id))
            ).scalar_one()

        async def decided() -> bool:
            async with w.services.sessions() as s:
                row = await s.get(SafetyFlag, flag_id)
                return row is not None and row.status == "dismissed"

        return Call(
            "POST",
            f"/v1/safety/flags/{flag_id}/review",
            json={"status": "dismissed", "note": "a false alarm"},
            effect=decided,
            hidden=ALL,
        )

    case(row)(build)


_review("POST /v1/safety/flags/{flag_id}/review · own lab, equal (m-sec)", OWN_LAB, "m-sec")
_review("POST /v1/safety/flags/{flag_id}/review · other lab", OTHER_LAB, "m-sec")
_review("POST /v1/safety/flags/{flag_id}/review · higher (m-nuc)", OWN_LAB, "m-nuc")
_review(
    "POST /v1/safety/flags/{flag_id}/review · a flag on the caller's own request",
    OWN_LAB,
    "m-sec",
    whose="own",
)

# -- audit records and proofs
get(
    "GET /v1/audit/records/{index} · own, lower",
    lambda w: f"/v1/audit/records/{w.records['lower']}",
)
get(
    "GET /v1/audit/records/{index} · own, equal",
    lambda w: f"/v1/audit/records/{w.records['equal']}",
)
get(
    "GET /v1/audit/records/{index} · own, higher",
    lambda w: f"/v1/audit/records/{w.records['higher']}",
)
get(
    "GET /v1/audit/records/{index} · other, equal",
    lambda w: f"/v1/audit/records/{w.records['other']}",
)
get("GET /v1/audit/records/{index} · integer overflow", "/v1/audit/records/" + "9" * 40)
for _path, _params in (
    ("/v1/audit/proofs/inclusion", {"index": 0}),
    ("/v1/audit/proofs/consistency", {"first": 1}),
    ("/v1/audit/checkpoint", None),
):
    get(f"GET {_path} · caller at SECRET", _path, params=_params)
    get(f"GET {_path} · caller cleared for the whole range", _path, params=_params, cleared=True)
get("GET /v1/audit/verifier-key · the public key checkpoints are signed with", "/v1/audit/verifier-key", hidden=ALL)

# -- transcripts


def _file_request(row: str, project: str) -> None:
    async def build(w: World, role: str) -> Call:
        reason = "matrix: " + uuid.uuid4().hex

        async def filed() -> bool:
            listed = await w.services.audit_access.list_requests(
                w.principal("aldo", OWN_LAB, ["auditor"])
            )
            return any(r.reason == reason for r in listed)

        return Call(
            "POST",
            "/v1/audit/access-requests",
            json={"reason": reason, "project": project, "duration_minutes": 10},
            effect=filed,
        )

    case(row)(build)


_file_request("POST /v1/audit/access-requests · own project", OWN_PROJECT)
_file_request("POST /v1/audit/access-requests · other lab's project", OTHER_PROJECT)
get("GET /v1/audit/access-requests", "/v1/audit/access-requests", hidden=("nuc",))


def _approve(row: str, filer: str) -> None:
    async def build(w: World, role: str) -> Call:
        from labgate.audit.access import AccessScope

        # "another auditor's": aldo filed it; "own": audrey (the aud column) filed it
        by = "aldo" if filer == "another" else "audrey"
        principal = w.principal(by, OWN_LAB, ["user", "auditor"])
        filed = await w.services.audit_access.file_request(
            principal,
            reason="matrix: approval cell " + uuid.uuid4().hex[:6],
            scope=AccessScope(OWN_PROJECT, frozenset({w.records["equal"]})),
            duration=timedelta(minutes=5),
        )

        async def approved() -> bool:
            found = await w.services.audit_access.get(
                w.principal("aldo", OWN_LAB, ["auditor"]), filed.id
            )
            return found.status.value == "approved"

        return Call("POST", f"/v1/audit/access-requests/{filed.id}/approve", effect=approved)

    case(row)(build)


_approve("POST /v1/audit/access-requests/{request_id}/approve · another auditor's", "another")
_approve("POST /v1/audit/access-requests/{request_id}/approve · own", "own")


def _read(row: str, access: str, record: str) -> None:
    get(
        row,
        lambda w: f"/v1/audit/access-requests/{w.access[access]}/transcripts/{w.records[record]}",
    )


_read("GET /v1/audit/access-requests/{request_id}/transcripts/{index} · own, lower", "own", "lower")
_read("GET /v1/audit/access-requests/{request_id}/transcripts/{index} · own, equal", "own", "equal")
_read(
    "GET /v1/audit/access-requests/{request_id}/transcripts/{index} · own, higher", "own", "higher"
)
_read(
    "GET /v1/audit/access-requests/{request_id}/transcripts/{index} · own, outside its scope",
    "own",
    "other",
)
_read(
    "GET /v1/audit/access-requests/{request_id}/transcripts/{index} · another auditor's request",
    "aldo",
    "equal",
)
_read(
    "GET /v1/audit/access-requests/{request_id}/transcripts/{index} · other, equal",
    "other",
    "other",
)

# -- worker tokens


def _issue_token(row: str, model: str) -> None:
    async def build(w: World, role: str) -> Call:
        job = "job-" + uuid.uuid4().hex[:8]

        async def issued() -> bool:
            return any(t.job_id == job for t in await w.services.registry.list_tokens())

        return Call(
            "POST", "/v1/admin/worker-tokens", json={"model": model, "job_id": job}, effect=issued
        )

    case(row)(build)


_issue_token("POST /v1/admin/worker-tokens · a model at or below the caller", "m-sec")
_issue_token("POST /v1/admin/worker-tokens · a model above the caller", "m-nuc")
get("GET /v1/admin/worker-tokens", "/v1/admin/worker-tokens", hidden=("nuc",))


@case("DELETE /v1/admin/worker-tokens/{token_id}")
async def _revoke_worker_token(w: World, role: str) -> Call:
    issued = await w.services.registry.issue("m-wk", "job-" + uuid.uuid4().hex[:8])

    async def revoked() -> bool:
        listed = await w.services.registry.list_tokens(active_only=True)
        return all(t.id != issued.info.id for t in listed)

    return Call("DELETE", f"/v1/admin/worker-tokens/{issued.info.id}", effect=revoked)


# -- the model registry (labgate.approval)

_TOP_ADMIN = Principal(
    "matrix-submitter", roles=frozenset({Role.PLATFORM_ADMIN}), clearance="TOP SECRET//NUC"
)
_GOOD_METRICS = {
    "science": {"accuracy": 1.0},
    "safety": {"guarded_refusal_rate": 1.0, "false_refusal_rate": 0.0},
    "bias": {"consistency": 1.0},
}


async def _model_version(w: World, model: str = "m-sec", evaluated: bool = False) -> str:
    from labgate.approval.wiring import model_registry

    registry = model_registry(w.services)
    view = await registry.submit(
        _TOP_ADMIN,
        name=model,
        version=uuid.uuid4().hex[:8],
        source="/m",
        engine="vllm",
        weights_digest=uuid.uuid4().hex * 2,
    )
    if evaluated:
        await registry.save_evaluation(
            _TOP_ADMIN,
            view["id"],
            evaluation_id=None,
            suites={},
            seed=0,
            settings={},
            items={},
            metrics=_GOOD_METRICS,
            finished=True,
        )
    return str(view["id"])


async def _version_status(w: World, vid: str) -> str:
    from labgate.approval.wiring import model_registry

    return str((await model_registry(w.services).show(vid))["status"])


get("GET /v1/admin/models", "/v1/admin/models", hidden=("nuc",))


def _submit_version(row: str, model: str) -> None:
    async def build(w: World, role: str) -> Call:
        version = "v-" + uuid.uuid4().hex[:8]

        async def submitted() -> bool:
            from labgate.approval.wiring import model_registry

            listed = await model_registry(w.services).list_versions(model)
            return any(v["version"] == version for v in listed)

        body = {"name": model, "version": version, "source": "/m", "weights_digest": "a" * 64}
        return Call("POST", "/v1/admin/models", json=body, effect=submitted)

    case(row)(build)


_submit_version("POST /v1/admin/models · a model at or below the caller", "m-sec")
_submit_version("POST /v1/admin/models · a model above the caller", "m-nuc")


@case("GET /v1/admin/models/{version_id} · equal (m-sec)")
async def _show_version(w: World, role: str) -> Call:
    return Call("GET", f"/v1/admin/models/{await _model_version(w)}")


@case("GET /v1/admin/models/{version_id} · higher (m-nuc)")
async def _show_version_above(w: World, role: str) -> Call:
    return Call("GET", f"/v1/admin/models/{await _model_version(w, 'm-nuc')}")


@case("POST /v1/admin/models/{version_id}/approve · evaluated, no approver role")
async def _approve_version(w: World, role: str) -> Call:
    vid = await _model_version(w, evaluated=True)

    async def signed() -> bool:
        from labgate.approval.wiring import model_registry

        return bool((await model_registry(w.services).show(vid))["signoffs"])

    body = {"deployment": "default", "reason": "looked fine"}
    return Call("POST", f"/v1/admin/models/{vid}/approve", json=body, effect=signed)


@case("POST /v1/admin/models/{version_id}/retire")
async def _retire_version(w: World, role: str) -> Call:
    vid = await _model_version(w)

    async def retired() -> bool:
        return await _version_status(w, vid) == "retired"

    body = {"reason": "superseded"}
    return Call("POST", f"/v1/admin/models/{vid}/retire", json=body, effect=retired)


@case("POST /v1/admin/models/{version_id}/evaluations")
async def _record_evaluation(w: World, role: str) -> Call:
    vid = await _model_version(w)

    async def evaluated() -> bool:
        return await _version_status(w, vid) == "evaluated"

    body = {"metrics": {"science": {"accuracy": 0.5}}, "finished": True}
    return Call("POST", f"/v1/admin/models/{vid}/evaluations", json=body, effect=evaluated)


@case("GET /v1/admin/models/{version_id}/evaluations/{evaluation_id}")
async def _read_evaluation(w: World, role: str) -> Call:
    from labgate.approval.wiring import model_registry

    vid = await _model_version(w, evaluated=True)
    shown = await model_registry(w.services).show(vid)
    return Call("GET", f"/v1/admin/models/{vid}/evaluations/{shown['evaluations'][0]['id']}")


async def _approved_for_cards(w: World) -> None:
    """m-open and m-nuc with a recorded approval, so a refusal is the caller's clearance."""
    from labgate.approval.wiring import model_registry, reload_gate

    registry = model_registry(w.services)
    for model in ("m-open", "m-nuc"):
        await registry.bootstrap(
            name=model,
            version="card",
            source="/m",
            engine="vllm",
            weights_digest="b" * 64,
            evaluation={"metrics": {}},
        )
    await reload_gate(w.services)


@case("GET /v1/model-cards/{model_id} · lower (m-open), approved")
async def _card_lower(w: World, role: str) -> Call:
    await _approved_for_cards(w)
    return Call("GET", "/v1/model-cards/m-open", hidden=("nuc",))


@case("GET /v1/model-cards/{model_id} · higher (m-nuc), approved")
async def _card_higher(w: World, role: str) -> Call:
    await _approved_for_cards(w)
    return Call("GET", "/v1/model-cards/m-nuc")


# -- workers


async def _fresh_token(w: World, model: str = "m-wk") -> tuple[str, str]:
    """A token of its own for one cell (a token registers one worker); (token, job id)."""
    job = "job-" + uuid.uuid4().hex[:8]
    return await w.services.registry.issue_token(model, job_id=job), job


@case("POST /internal/workers/register · own model")
async def _register_own(w: World, role: str) -> Call:
    url = f"{NOWHERE}/reg-{uuid.uuid4().hex[:8]}"
    token, job = await _fresh_token(w)

    async def joined() -> bool:
        return any(wk.base_url == url for wk in w.services.router.pools["m-wk"].workers.values())

    return Call(
        "POST",
        "/internal/workers/register",
        json={"model": "m-wk", "base_url": url, "job_id": job},
        effect=joined,
        worker_token=token,
    )


def _register_accredited(row: str, max_label: str | None) -> None:
    async def build(w: World, role: str) -> Call:
        url = f"{NOWHERE}/reg-{uuid.uuid4().hex[:8]}"
        job = "job-" + uuid.uuid4().hex[:8]
        token = await w.services.registry.issue_token("m-wk", job_id=job, max_label=max_label)
        access = w.services.access

        async def joined_within() -> bool:
            """Registered, and no worker of m-wk takes work above the model's SECRET."""
            found = [wk for wk in w.pool_workers("m-wk") if wk.base_url == url]
            if not found:
                return False
            effective = access.worker_accreditation("m-wk", found[0].accreditation)
            ceiling = max_label or EQUAL
            return effective is not None and access.dominates(ceiling, effective)

        return Call(
            "POST",
            "/internal/workers/register",
            json={"model": "m-wk", "base_url": url, "job_id": job, "accreditation": HIGHER},
            effect=joined_within,
            worker_token=token,
        )

    case(row)(build)


# a token capped at CUI states SECRET//NUC: refused; an uncapped one: narrowed to the model's
_register_accredited(
    "POST /internal/workers/register · accreditation above the token's max_label", "CUI"
)
_register_accredited(
    "POST /internal/workers/register · accreditation above the model's (narrowed)", None
)


@case("POST /internal/workers/register · another model")
async def _register_other(w: World, role: str) -> Call:
    url = f"{NOWHERE}/reg-{uuid.uuid4().hex[:8]}"

    async def joined() -> bool:
        return any(wk.base_url == url for wk in w.services.router.pools["m-sec"].workers.values())

    return Call(
        "POST",
        "/internal/workers/register",
        json={"model": "m-sec", "base_url": url},
        effect=joined,
    )


def _worker_op(row: str, op: str, whose: str) -> None:
    async def build(w: World, role: str) -> Call:
        model = "m-sec" if whose == "other-model" else "m-wk"
        token = w.worker_tokens["own"]
        if whose in ("own", "another"):
            # a worker of the cell's own, registered now with a fresh token (which for "own"
            # is also the one the wkr column calls with): a registered worker that never
            # heart-beats leaves the pool after a while, so none is kept from the set-up
            fresh, job = await _fresh_token(w)
            wid = await _register(w, fresh, f"{NOWHERE}/d-{uuid.uuid4().hex[:8]}", job=job)
            if whose == "own":
                token = fresh
        else:
            wid = w.workers[whose]
        worker = w.pool_worker(model, wid)
        assert worker is not None
        before = (worker.last_heartbeat, worker.draining)

        async def touched() -> bool:
            now = w.pool_worker(model, wid)
            if op == "deregister":
                return now is None
            if op == "drain":
                return now is not None and now.draining
            return now is not None and now.last_heartbeat != before[0]

        return Call("POST", f"/internal/workers/{wid}/{op}", effect=touched, worker_token=token)

    case(row)(build)


_worker_op("POST /internal/workers/{worker_id}/heartbeat · own worker", "heartbeat", "own")
_worker_op(
    "POST /internal/workers/{worker_id}/heartbeat · another token's worker", "heartbeat", "another"
)
_worker_op(
    "POST /internal/workers/{worker_id}/heartbeat · a configured worker", "heartbeat", "configured"
)
_worker_op("POST /internal/workers/{worker_id}/drain · own worker", "drain", "own")
_worker_op("POST /internal/workers/{worker_id}/drain · another token's worker", "drain", "another")
_worker_op("POST /internal/workers/{worker_id}/drain · a configured worker", "drain", "configured")
_worker_op("POST /internal/workers/{worker_id}/deregister · own worker", "deregister", "own")
_worker_op(
    "POST /internal/workers/{worker_id}/deregister · another token's worker",
    "deregister",
    "another",
)
_worker_op(
    "POST /internal/workers/{worker_id}/deregister · a configured worker",
    "deregister",
    "configured",
)
_worker_op(
    "POST /internal/workers/{worker_id}/deregister · another model's worker",
    "deregister",
    "other-model",
)


# ----------------------------------------------------------------------------- reading the table


def _rows() -> list[tuple[str, str, str, dict[str, str]]]:
    """(key, method, path, {role: expected}) for each row of POLICY."""
    rows = []
    for line in POLICY.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        left, _, right = line.partition("|")
        cells = right.split()
        assert len(cells) == len(ROLES), line
        assert all(c in ("ok", "no", "401", "hide") for c in cells), line
        key = _norm(left)
        method, path = key.split(" ")[:2]
        rows.append((key, method, path, dict(zip(ROLES, cells, strict=True))))
    return rows


ROWS = _rows()


def _params() -> list[Any]:
    params = []
    for key, _method, _path, cells in ROWS:
        for role, expected in cells.items():
            marks = []
            reason = PENDING.get((key, role))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            params.append(pytest.param(key, role, expected, id=f"{key} [{role}]", marks=marks))
    return params


# ----------------------------------------------------------------------------- the tests


def test_the_table_and_the_calls_agree() -> None:
    keys = [k for k, *_ in ROWS]
    assert len(keys) == len(set(keys)), "a row is written twice"
    assert set(keys) == set(CASES), (
        f"rows without a call: {sorted(set(keys) - set(CASES))}; "
        f"calls without a row: {sorted(set(CASES) - set(keys))}"
    )
    stale = {k for k, _ in PENDING} - set(keys)
    assert not stale, f"PENDING names rows that are not in the table: {sorted(stale)}"


def _template(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def app_routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers: the FastAPI app's routes (routers
    included lazily by FastAPI are walked with their prefixes) and the routes any layer in front
    of it dispatches itself (the hot path's ``{(method, path): handler}``). The layers are found
    through their own attributes (``vars``), never through a ``__getattr__`` that forwards. HEAD,
    which Starlette adds to every GET, is left out."""
    from starlette.applications import Starlette

    found: set[tuple[str, str]] = set()

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:  # FastAPI >= 0.16x: an included router, not copied in
                walk(original.routes, prefix + route.include_context.prefix)
                continue
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, _template(prefix + route.path)))

    layers, seen = [app], set()
    while layers:
        layer = layers.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, Starlette):
            walk(layer.routes, "")
            continue
        for value in vars(layer).values() if hasattr(layer, "__dict__") else ():
            if (
                isinstance(value, dict)
                and value
                and all(isinstance(k, tuple) and len(k) == 2 for k in value)
            ):
                found |= {(m, _template(p)) for m, p in value}
            elif callable(value) and hasattr(value, "__dict__"):
                layers.append(value)
    return found


def test_every_route_has_a_row(tmp_path: Path) -> None:
    """A route the table does not name fails here, listing what is missing."""
    from labgate.config import load_settings

    settings = load_settings(
        None,
        environ={},
        overrides={
            "data_dir": str(tmp_path / "data"),
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
            "embedded": {"enabled": False},
            "models": [{"name": m, "workers": [NOWHERE]} for m in LABELS["models"]],
            "safety": {"enabled": False},
            "approval": {"enforce": False},  # the model gate: tests/approval
            "labels": LABELS,
        },
    )
    routes = app_routes(create_app(settings))
    assert ("POST", "/v1/chat/completions") in routes and ("GET", "/healthz") in routes
    covered = {(method, path) for _, method, path, _ in ROWS}
    missing = sorted(routes - covered)
    assert not missing, "routes with no row in the authorization matrix (add them to POLICY): " + (
        ", ".join(f"{m} {p}" for m, p in missing)
    )
    gone = sorted(covered - routes)
    assert not gone, "rows for routes the app no longer has: " + ", ".join(
        f"{m} {p}" for m, p in gone
    )


def _is_openai_error(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("message"), str)


REFUSED = {400, 401, 403, 404, 409}


@pytest.mark.parametrize(("row", "role", "expected"), _params())
async def test_cell(world: World, row: str, role: str, expected: str) -> None:
    call = await CASES[row](world, role)
    key = world.keys[role]
    if role == "wkr" and call.worker_token:
        key = call.worker_token
    if call.cleared and f"top:{role}" in world.keys:
        key = world.keys[f"top:{role}"]
    headers = dict(call.headers)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = await world.client.request(
        call.method,
        call.path,
        json=call.json,
        params=call.params,
        headers=headers,
        files=call.files,
        data=call.data,
    )
    status, text = response.status_code, response.text
    shown = f"{role} {call.method} {call.path} -> {status}: {text[:300]}"
    assert status < 500, shown
    assert response.headers.get("x-request-id"), f"an answer without X-Request-Id: {shown}"
    if status >= 400 and call.path.startswith(("/v1/", "/internal/")):
        assert _is_openai_error(response), f"not an OpenAI-shaped error: {shown}"
    if status >= 400 and call.path in ("/v1/chat/completions", "/v1/completions"):
        await world.record_of(response)  # every refused request is in the audit log
    if expected == "ok":
        assert 200 <= status < 300, shown
        if call.effect is not None:
            assert await call.effect(), f"answered {status} but nothing changed: {shown}"
    elif expected == "401":
        assert status == 401, shown
    elif expected == "no":
        assert status in REFUSED or status == 202, shown
        if call.effect is not None:
            assert not await call.effect(), f"refused as {status} but it took effect: {shown}"
    if expected in ("ok", "hide") and status < 400:
        leaked = [m for m in world.markers(role, call.hidden) if m in text]
        assert not leaked, f"{role} was shown {leaked}: {shown}"


# ----------------------------------------------------------------------------- hidden models


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions"])
@pytest.mark.parametrize("label", [None, LOWER, EQUAL, HIGHER])
async def test_a_hidden_model_answers_as_a_missing_one(
    world: World, path: str, label: str | None
) -> None:
    """GET /v1/models/m-nuc is a 404 for a SECRET caller; every completion request naming it
    must get exactly what a model that does not exist gets."""
    headers = {"Authorization": f"Bearer {world.keys['user']}"}
    if label:
        headers["X-Labgate-Label"] = label
    answers = []
    for model in ("m-nuc", "m-does-not-exist"):
        body: dict[str, Any] = {"model": model, "max_tokens": 8}
        if path == "/v1/chat/completions":
            body["messages"] = _ask()
        else:
            body["prompt"] = _ask()[0]["content"]
        r = await world.client.post(path, headers=headers, json=body)
        error = r.json().get("error") if r.status_code >= 400 else None
        answers.append((r.status_code, error and error.get("code")))
    assert answers[0] == answers[1], f"m-nuc: {answers[0]}, a missing model: {answers[1]}"


# ----------------------------------------------------------------------------- the log, read through




@pytest.mark.parametrize(
    "role",
    [
        # fixed: a registry record names its model, and is hidden where the model is
        pytest.param(r) for r in ("aud", "padm")
    ],
)
async def test_no_record_a_secret_reader_may_open_names_what_is_above_them(
    world: World, role: str
) -> None:
    """After the whole table has run (this test comes after it), read every record of the audit
    log as a SECRET auditor and platform admin: none they may open names the SECRET//NUC model
    or hugo's work (admin actions, refusals, access requests and worker tokens included)."""
    # the moves that leave such records, made here so the test stands alone
    alice = world.keys["user"]
    r = await world.client.post(
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {alice}", "X-Labgate-Label": LOWER},
        json={"model": "m-nuc", "messages": _ask(), "labgate_label": HIGHER},
    )
    assert r.status_code in (400, 403, 404), r.text
    r = await world.chat(alice, "m-nuc", LOWER, _ask())
    assert r.status_code in (200, 403, 404), r.text
    await _model_version(world, "m-nuc")  # a cleared platform admin registers a version of it
    headers = {"Authorization": f"Bearer {world.keys[role]}"}
    opened, leaks = 0, []
    for index in range(await world.services.audit.size()):
        r = await world.client.get(f"/v1/audit/records/{index}", headers=headers)
        assert r.status_code in (200, 403, 404), r.text
        if r.status_code == 200:
            opened += 1
            record = r.json()["record"]
            # a refusal's message may echo the model name its caller typed ("the model 'm-nuc'
            # does not exist"): that tells the reader nothing the caller did not write
            told = {k: v for k, v in record.items() if k != "error"}
            if "m-nuc" in orjson.dumps(told).decode():
                shown = {k: record.get(k) for k in ("kind", "label", "model", "outcome", "status")}
                leaks.append(f"{index} {shown}: {str(record.get('details'))[:200]}")
    assert opened > 0
    assert not leaks, f"{len(leaks)} records name m-nuc to a SECRET {role}:\n" + "\n".join(
        leaks[:10]
    )


async def test_a_stored_response_follows_its_owners_clearance(world: World) -> None:
    """A SECRET response stored for a user is theirs only while their clearance covers it:
    lowered to CUI, they get the 404 of a missing response, and cannot continue it either."""
    uid = await world.new_user(OWN_LAB, clearance=CLEARANCE)
    await world.add_member(OWN_PROJECT, uid)
    key, _ = await world.new_key(uid, OWN_PROJECT)
    rid = await _store_response(world, key, EQUAL)
    headers = {"Authorization": f"Bearer {key}"}
    assert (await world.client.get(f"/v1/responses/{rid}", headers=headers)).status_code == 200
    async with world.services.sessions.begin() as s:
        user = await s.get(User, uid)
        assert user is not None
        user.clearance = "CUI"
    world.services.auth.invalidate_all()
    r = await world.client.get(f"/v1/responses/{rid}", headers=headers)
    assert r.status_code == 404, r.text
    missing = await world.client.get("/v1/responses/resp_does_not_exist", headers=headers)
    assert r.json()["error"]["code"] == missing.json()["error"]["code"]
    r = await world.client.post(
        "/v1/responses",
        headers=headers,
        json={"model": "m-sec", "input": "and then?", "previous_response_id": rid},
    )
    assert r.status_code == 404, r.text
