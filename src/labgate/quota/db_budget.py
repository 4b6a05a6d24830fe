"""Budgets kept in the database alone: correct across replicas without Redis, one transaction
per operation.

The check and the hold are one statement, so no replica can slip between them::

    INSERT INTO quota_usage (…, reserved) VALUES (…, :amount)
    ON CONFLICT (project_id, period) DO UPDATE
        SET reserved = quota_usage.reserved + :amount
        WHERE quota_usage.used + quota_usage.reserved + :amount <= :limit
    RETURNING used, reserved

PostgreSQL locks the conflicting row and re-checks the ``WHERE`` against its latest committed
version; SQLite runs one writer at a time. No row comes back when the budget cannot cover the
amount. The reservation row is written in the same transaction, so a hold and its record
commit or vanish together.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from contextlib import AbstractAsyncContextManager

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from labgate.quota.errors import BudgetExhausted
from labgate.quota.models import RESERVATIONS_TABLE
from labgate.quota.periods import BudgetPeriod
from labgate.quota.service import BudgetUsage, Clock, QuotaService, Reservation
from labgate.quota.usage_store import (
    USAGE,
    database_errors,
    dialect_insert,
    period_row_values,
    quota_transaction,
    to_datetime,
)

RESERVATIONS = RESERVATIONS_TABLE
SWEEP_BATCH = 1000


class DatabaseQuotaService(QuotaService):
    """Budgets in ``quota_usage`` and ``quota_reservations`` (SQLite or PostgreSQL)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock | None = None,
        durable_commits: bool = False,
        **options: float,
    ) -> None:
        """``durable_commits=False`` (the default) commits without waiting for PostgreSQL to
        flush its WAL: see :func:`~labgate.quota.usage_store.quota_transaction`."""
        super().__init__(clock=clock, **options)
        self._engine = engine
        self._durable = durable_commits

    def _transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return quota_transaction(self._engine, durable=self._durable)

    async def reserve(
        self,
        project_id: str,
        period: BudgetPeriod,
        amount: int,
        limit: int,
        *,
        ttl_s: float | None = None,
    ) -> Reservation:
        self._check_amounts(amount, limit)
        now = self.now()
        reservation = Reservation(
            id=uuid.uuid4().hex,
            project_id=project_id,
            period=period,
            amount=amount,
            expires_at=now + (ttl_s if ttl_s is not None else self.reservation_ttl_s),
        )
        if amount <= limit:
            if await self._try_hold(reservation, limit, now):
                return reservation
            # Holds of crashed replicas may be what stands in the way: reclaim, then retry once.
            if await self._reclaim(now, project_id=project_id, period=period.key):
                if await self._try_hold(reservation, limit, now):
                    return reservation
        current = await self.usage(project_id, period)
        raise BudgetExhausted(
            project_id,
            period,
            limit,
            current.used,
            period.ends_at,
            self._retry_after(period, now, current.used, amount, limit),
            reserved=current.reserved,
            requested=amount,
        )

    async def _try_hold(self, reservation: Reservation, limit: int, now: float) -> bool:
        amount = reservation.amount
        async with self._transaction() as conn:
            insert = dialect_insert(conn, USAGE).values(
                **period_row_values(reservation.project_id, reservation.period, now),
                used=0,
                reserved=amount,
            )
            upsert = insert.on_conflict_do_update(
                index_elements=[USAGE.c.project_id, USAGE.c.period],
                set_={"reserved": USAGE.c.reserved + amount, "updated_at": to_datetime(now)},
                where=USAGE.c.used + USAGE.c.reserved + amount <= limit,
            ).returning(USAGE.c.reserved)
            held = (await conn.execute(upsert)).first()
            if held is None:
                return False
            await conn.execute(
                RESERVATIONS.insert().values(
                    id=reservation.id,
                    project_id=reservation.project_id,
                    period=reservation.period.key,
                    amount=amount,
                    expires_at=to_datetime(reservation.expires_at),
                )
            )
        return True

    async def settle(self, reservation: Reservation, actual_amount: int) -> BudgetUsage:
        if actual_amount < 0:
            raise ValueError(f"a charge cannot be negative, got {actual_amount}")
        now = self.now()
        async with self._transaction() as conn:
            held = await _take_reservation(conn, reservation.id) or 0
            insert = dialect_insert(conn, USAGE).values(
                **period_row_values(reservation.project_id, reservation.period, now),
                used=actual_amount,
                reserved=0,
            )
            upsert = insert.on_conflict_do_update(
                index_elements=[USAGE.c.project_id, USAGE.c.period],
                set_={
                    "used": USAGE.c.used + actual_amount,
                    "reserved": USAGE.c.reserved - held,
                    "updated_at": to_datetime(now),
                },
            ).returning(USAGE.c.used, USAGE.c.reserved)
            row = (await conn.execute(upsert)).one()
        return BudgetUsage(int(row.used), int(row.reserved))

    async def release(self, reservation: Reservation) -> bool:
        now = self.now()
        async with self._transaction() as conn:
            held = await _take_reservation(conn, reservation.id)
            if held is None:
                return False
            await conn.execute(
                USAGE.update()
                .where(
                    USAGE.c.project_id == reservation.project_id,
                    USAGE.c.period == reservation.period.key,
                )
                .values(reserved=USAGE.c.reserved - held, updated_at=to_datetime(now))
            )
        return True

    async def usage(self, project_id: str, period: BudgetPeriod) -> BudgetUsage:
        with database_errors():
            async with self._engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(USAGE.c.used, USAGE.c.reserved).where(
                            USAGE.c.project_id == project_id, USAGE.c.period == period.key
                        )
                    )
                ).first()
        return BudgetUsage(int(row.used), int(row.reserved)) if row else BudgetUsage(0, 0)

    async def reclaim_expired(self) -> int:
        return await self._reclaim(self.now())

    async def _reclaim(
        self, now: float, *, project_id: str | None = None, period: str | None = None
    ) -> int:
        """Delete expired reservations and subtract them from ``reserved``, in one transaction.

        ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite has one writer anyway) lets concurrent
        sweepers and settlements each take a reservation at most once.
        """
        expired = select(RESERVATIONS.c.id).where(RESERVATIONS.c.expires_at <= to_datetime(now))
        if project_id is not None:
            expired = expired.where(
                RESERVATIONS.c.project_id == project_id, RESERVATIONS.c.period == period
            )
        expired = expired.limit(SWEEP_BATCH).with_for_update(skip_locked=True)
        async with self._transaction() as conn:
            taken = await conn.execute(
                delete(RESERVATIONS)
                .where(RESERVATIONS.c.id.in_(expired.scalar_subquery()))
                .returning(RESERVATIONS.c.project_id, RESERVATIONS.c.period, RESERVATIONS.c.amount)
            )
            totals: dict[tuple[str, str], int] = defaultdict(int)
            count = 0
            for row in taken:
                totals[(row.project_id, row.period)] += int(row.amount)
                count += 1
            for (project, key), amount in sorted(totals.items()):  # one lock order
                await conn.execute(
                    USAGE.update()
                    .where(USAGE.c.project_id == project, USAGE.c.period == key)
                    .values(reserved=USAGE.c.reserved - amount, updated_at=to_datetime(now))
                )
        return count


async def _take_reservation(conn: AsyncConnection, reservation_id: str) -> int | None:
    """Delete a reservation and return the units it held (None if it was already gone)."""
    held = await conn.scalar(
        delete(RESERVATIONS)
        .where(RESERVATIONS.c.id == reservation_id)
        .returning(RESERVATIONS.c.amount)
    )
    return None if held is None else int(held)
