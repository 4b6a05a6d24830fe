"""What every part of the tenancy service shares: sessions, hooks, the clock, and loaders
that turn ids into rows or say clearly which one does not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import ApiKey, Lab, Project, ProjectMember, User
from labgate.tenancy.actions import Hooks, admin_action
from labgate.tenancy.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from labgate.access.policy import AccessPolicy

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ServiceCore:
    """Base of the tenancy service's parts (labs, users, projects, members, keys, usage)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hooks: Hooks | None = None,
        *,
        clock: Clock = utc_now,
        labels: AccessPolicy | None = None,
        approval_ttl: timedelta = timedelta(days=7),
    ) -> None:
        self.sessions = sessions
        self.hooks = hooks or Hooks()
        self._clock = clock
        self.labels = labels
        self.approval_ttl = approval_ttl

    def now(self) -> datetime:
        return self._clock()

    async def _record(
        self, actor: Principal, action: str, target: str, details: dict[str, Any]
    ) -> None:
        """Report a committed change to ``on_admin_action``."""
        await self.hooks.action(admin_action(actor, action, target, details))

    @asynccontextmanager
    async def _writing(self, clash: str, code: str) -> AsyncIterator[AsyncSession]:
        """A transaction whose unique-constraint failure (a concurrent duplicate) becomes a
        :class:`Conflict` saying ``clash``."""
        try:
            async with self.sessions.begin() as s:
                yield s
        except IntegrityError as exc:
            raise Conflict(clash, code) from exc

    # ------------------------------------------------------------------ clearances

    def _clearance(self, text: str) -> str:
        """A clearance as it is stored: the canonical marking of a label of this deployment's
        scheme. Anything else is refused with what is allowed (a label that is misread is a
        label that is not enforced)."""
        from labgate.access.labels import LabelError, split_marking

        try:
            if self.labels is not None and self.labels.enabled:
                return self.labels.lattice.format(self.labels.parse(text))
            level, compartments = split_marking(text)
        except LabelError as exc:
            allowed = ""
            if self.labels is not None and self.labels.enabled:
                lat = self.labels.lattice
                comps = ", ".join(sorted(self.labels.config.compartments)) or "none"
                allowed = (
                    f"; a clearance is LEVEL or LEVEL//COMPARTMENT,…, with the levels (lowest "
                    f"first) {', '.join(lat.levels)} and the compartments {comps}"
                )
            raise InvalidInput(
                f"clearance {text[:80]!r} is not a label of this deployment: {exc}{allowed}",
                "invalid_clearance",
            ) from None
        return "//".join([level, ",".join(sorted(compartments))]) if compartments else level

    def _lowers(self, old: str | None, new: str) -> bool:
        """Whether clearance ``new`` is strictly below ``old`` in the configured scheme (no
        grant: taking power away takes effect at once). Without a label scheme, never."""
        if old is None or self.labels is None or not self.labels.enabled:
            return False
        return self._clearance_covers(old, new) and not self._clearance_covers(new, old)

    def _clearance_covers(self, holder: str | None, other: str | None) -> bool:
        """Whether clearance ``holder`` dominates ``other`` (no labels: always)."""
        if self.labels is None or not self.labels.enabled:
            return True
        policy = self.labels
        try:
            high = policy.parse(holder) if holder else policy.default_clearance
            low = policy.parse(other) if other else policy.default_clearance
        except Exception:
            return False
        return policy.lattice.dominates(high, low)

    # ------------------------------------------------------------------ loaders

    async def _lab(self, s: AsyncSession, lab_id: str) -> Lab:
        lab = await s.get(Lab, lab_id)
        if lab is None:
            raise NotFound(
                f"no lab {lab_id!r}; 'labgate admin labs list' shows the labs", "lab_not_found"
            )
        return lab

    async def _project(self, s: AsyncSession, project_id: str) -> Project:
        project = await s.get(Project, project_id)
        if project is None:
            raise NotFound(
                f"no project {project_id!r}; 'labgate admin projects list' shows the projects",
                "project_not_found",
            )
        return project

    async def _key(self, s: AsyncSession, key_id: str) -> ApiKey:
        key = await s.get(ApiKey, key_id)
        if key is None:
            raise NotFound(
                f"no API key with id {key_id!r} (give the key's id from 'keys list', not the "
                "key itself)",
                "key_not_found",
            )
        return key

    async def _user(self, s: AsyncSession, ref: str, lab_hint: str | None = None) -> User:
        """A user by id, by ``lab/username``, or by a username unique (or in ``lab_hint``)."""
        user = await s.get(User, ref)
        if user is not None:
            return user
        stmt = select(User)
        if "/" in ref:
            lab_id, _, username = ref.partition("/")
            stmt = stmt.where(User.lab_id == lab_id, User.username == username)
        else:
            stmt = stmt.where(User.username == ref)
        found = list((await s.execute(stmt)).scalars())
        if len(found) > 1 and lab_hint is not None:
            found = [u for u in found if u.lab_id == lab_hint] or found
        if len(found) == 1:
            return found[0]
        if found:
            labs = ", ".join(sorted(u.lab_id for u in found))
            raise Conflict(
                f"several labs have a user named {ref!r} ({labs}); write it as 'lab/{ref}' "
                "or give the user's id",
                "ambiguous_user",
            )
        raise NotFound(
            f"no user {ref!r}; give the user's id or 'lab/username' ('labgate admin users "
            "list' shows them)",
            "user_not_found",
        )

    async def _membership(
        self, s: AsyncSession, project_id: str, user_id: str
    ) -> ProjectMember | None:
        return await s.get(ProjectMember, (project_id, user_id))

    async def _leads(self, s: AsyncSession, actor: Principal, project: Project) -> bool:
        """Whether the caller is a lead of ``project`` (its lead, or a member with role lead)."""
        if project.lead_user_id == actor.user_id:
            return True
        member = await self._membership(s, project.id, actor.user_id)
        return member is not None and member.role == "lead"

    async def _led_projects(self, s: AsyncSession, user_id: str) -> list[str]:
        rows = await s.execute(
            select(ProjectMember.project_id).where(
                ProjectMember.user_id == user_id, ProjectMember.role == "lead"
            )
        )
        led = set(rows.scalars())
        rows = await s.execute(select(Project.id).where(Project.lead_user_id == user_id))
        return sorted(led | set(rows.scalars()))

    async def _user_key_ids(self, s: AsyncSession, user_id: str) -> list[str]:
        rows = await s.execute(select(ApiKey.id).where(ApiKey.user_id == user_id))
        return list(rows.scalars())

    async def _sync_lead_role(self, s: AsyncSession, user: User) -> bool:
        """Keep the ``project_lead`` role in step with leading at least one project.

        Other parts (the scheduler's view) read the role; the membership is the truth.
        Returns whether the user's roles changed.
        """
        await s.flush()
        leads_any = bool(await self._led_projects(s, user.id))
        roles = set(user.roles or ())
        has = Role.PROJECT_LEAD.value in roles
        if leads_any == has:
            return False
        if leads_any:
            roles.add(Role.PROJECT_LEAD.value)
        else:
            roles.discard(Role.PROJECT_LEAD.value)
        user.roles = sorted(roles)
        return True
