"""Routing: a request never reaches a worker whose accreditation does not dominate its label."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from labgate.access.labels import Label
from labgate.access.policy import AccessPolicy
from labgate.router.workers import Worker, WorkerPool


@dataclass
class RegisteredWorker:
    """A worker as the router will hold it once registrations carry an accreditation."""

    worker_id: str
    accreditation: str | None = None


@pytest.mark.parametrize(
    ("label", "worker", "expected"),
    [
        ("UNCLASSIFIED", "UNCLASSIFIED", True),
        ("CUI", "UNCLASSIFIED", False),
        ("SECRET", "SECRET//NUC", True),
        ("SECRET//NUC", "SECRET//NUC", True),
        ("SECRET//NUC", "SECRET", False),
        ("SECRET//NUC,SIGMA", "SECRET//NUC", False),
        ("SECRET//SIGMA", "TOP SECRET//NUC,SIGMA", True),
        ("SECRET", None, False),
        ("SECRET", "NOT A LABEL", False),
    ],
)
def test_may_route(policy: AccessPolicy, label: str, worker: str | None, expected: bool) -> None:
    assert policy.may_route(label, worker) is expected


def test_a_worker_is_accredited_no_higher_than_its_model(policy: AccessPolicy) -> None:
    assert policy.worker_accreditation("nuc") == Label("SECRET", frozenset({"NUC"}))
    claims_more = policy.worker_accreditation("nuc", "SECRET//NUC,SIGMA")
    assert claims_more == Label("SECRET", frozenset({"NUC"}))
    claims_less = policy.worker_accreditation("nuc", "CUI")
    assert claims_less == Label("CUI")
    assert policy.worker_accreditation("nuc", "garbage//") is None
    assert policy.worker_accreditation("plain") == Label("UNCLASSIFIED")


def test_the_router_never_chooses_an_unaccredited_worker(policy: AccessPolicy) -> None:
    workers = [
        RegisteredWorker("w-nuc", "SECRET//NUC"),
        RegisteredWorker("w-cui", "CUI"),
        RegisteredWorker("w-bad", "SECRET//"),
        RegisteredWorker("w-model-default"),
    ]
    assert policy.excluded_workers("SECRET//NUC", "nuc", workers) == {"w-cui", "w-bad"}
    assert policy.excluded_workers("CUI", "nuc", workers) == {"w-bad"}
    assert policy.excluded_workers("UNCLASSIFIED", "open", workers) == {"w-bad"}


def test_excluded_workers_drive_the_real_pool(policy: AccessPolicy) -> None:
    pool = WorkerPool("cui")
    for port in (9001, 9002, 9003):
        pool.add(Worker(base_url=f"http://127.0.0.1:{port}/v1", model="cui"))
    ids = {w.worker_id for w in pool.workers.values()}
    # Config workers carry no accreditation of their own: they get their model's (CUI).
    assert policy.excluded_workers("CUI", "cui", pool.workers.values()) == set()
    excluded = policy.excluded_workers("SECRET", "cui", pool.workers.values())
    assert excluded == ids
    assert pool.choose(exclude=excluded) is None
    for _ in range(20):
        chosen = pool.choose(exclude=policy.excluded_workers("CUI", "cui", pool.workers.values()))
        assert chosen is not None and chosen.worker_id in ids
