"""Reading and writing ``hpc_jobs`` rows.

Rows are handed out detached (the session maker does not expire on commit): the controller
changes their attributes during a reconcile pass and :meth:`JobStore.save` writes them back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.hpc.models import HpcJob, JobPhase


class JobStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def add(self, job: HpcJob) -> HpcJob:
        async with self.sessions.begin() as session:
            session.add(job)
        return job

    async def save(self, *jobs: HpcJob) -> None:
        if not jobs:
            return
        async with self.sessions.begin() as session:
            for job in jobs:
                await session.merge(job)

    async def get(self, launch_id: str) -> HpcJob | None:
        async with self.sessions() as session:
            return await session.get(HpcJob, launch_id)

    async def by_slurm_id(self, slurm_job_id: str) -> HpcJob | None:
        async with self.sessions() as session:
            rows = await session.execute(
                select(HpcJob)
                .where(HpcJob.slurm_job_id == slurm_job_id)
                .order_by(HpcJob.submitted_at.desc())
            )
            return rows.scalars().first()

    async def active(self, deployments: Iterable[str] | None = None) -> list[HpcJob]:
        """Jobs that have not ended, oldest first (of the named deployments, or all)."""
        query = select(HpcJob).where(HpcJob.phase != JobPhase.ENDED.value)
        if deployments is not None:
            query = query.where(HpcJob.deployment.in_(list(deployments)))
        async with self.sessions() as session:
            rows = await session.execute(query.order_by(HpcJob.submitted_at, HpcJob.launch_id))
            return list(rows.scalars())

    async def ended_since(self, since: float) -> list[HpcJob]:
        """Jobs that ended at or after ``since``, newest first."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(HpcJob)
                .where(HpcJob.phase == JobPhase.ENDED.value, HpcJob.ended_at >= since)
                .order_by(HpcJob.ended_at.desc())
            )
            return list(rows.scalars())
