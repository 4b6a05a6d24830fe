"""OIDC callers on the request path: a verified lab token → a labgate user → a principal.

The token is verified by :class:`~labgate.identity.oidc.OIDCVerifier` (keys and verified tokens
cached there). The user is found, or provisioned under the lab's policy, in the ``users`` table,
and the project the request is charged to comes from the ``X-Labgate-Project`` header (or the
user's only project when there is exactly one). Users and memberships are cached for
``cache_ttl_s`` so a request costs no database round trip once its caller is known.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from labgate.api.errors import APIError, forbidden, unauthorized, unavailable
from labgate.identity.keys import new_id, utcnow
from labgate.identity.oidc import (
    Account,
    OIDCVerifier,
    ProvisioningError,
    TokenError,
    VerifiedIdentity,
    admit,
    name_taken,
)
from labgate.identity.principal import Principal, Role
from labgate.store.tenancy import Lab, ProjectMember, User

PROJECT_HEADER = "x-labgate-project"


@dataclass(frozen=True, slots=True)
class KnownUser:
    user_id: str
    lab: str
    roles: frozenset[Role]
    clearance: str | None
    disabled: bool
    projects: frozenset[str]


class SqlUserDirectory:
    """The provisioning directory over the tenancy tables.

    An account is found by the ``(oidc_issuer, oidc_subject)`` it is bound to, or else by its
    name in the lab; :func:`~labgate.identity.oidc.admit` decides what a name match may do.
    Nothing an IdP says is stored on the account: its clearance and the roles mapped from its
    groups are read from each token, and ``users.roles``/``users.clearance`` hold only what
    was granted inside labgate.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    _COLUMNS = (User.id, User.lab_id, User.oidc_issuer, User.oidc_subject)

    async def find_user(self, identity: VerifiedIdentity) -> Account | None:
        async with self.sessions() as s:
            row = None
            if identity.subject:
                row = (
                    await s.execute(
                        select(*self._COLUMNS).where(
                            User.oidc_issuer == identity.issuer,
                            User.oidc_subject == identity.subject,
                        )
                    )
                ).first()
            if row is None:
                row = (
                    await s.execute(
                        select(*self._COLUMNS).where(
                            User.lab_id == identity.lab,
                            User.username == identity.user_id,
                        )
                    )
                ).first()
        return Account(row[0], row[1], row[2], row[3]) if row is not None else None

    async def bind_user(self, user_id: str, identity: VerifiedIdentity) -> bool:
        try:
            async with self.sessions.begin() as s:
                bound = await s.execute(
                    update(User)
                    .where(User.id == user_id, User.oidc_subject.is_(None))
                    .values(oidc_issuer=identity.issuer, oidc_subject=identity.subject)
                )
        except IntegrityError:  # that (issuer, subject) got an account of its own meanwhile
            return False
        return bool(getattr(bound, "rowcount", 0))

    async def provision_user(self, identity: VerifiedIdentity) -> str:
        user_id = new_id()
        try:
            async with self.sessions.begin() as s:
                if await s.get(Lab, identity.lab) is None:
                    s.add(
                        Lab(
                            id=identity.lab,
                            name=identity.lab,
                            created_at=utcnow(),
                            provisioning="auto",
                        )
                    )
                    await s.flush()
                s.add(
                    User(
                        id=user_id,
                        lab_id=identity.lab,
                        username=identity.user_id,
                        email=identity.email,
                        roles=[],  # the IdP's roles come with each token, never stored
                        clearance=None,  # likewise the clearance: never the raw claim
                        oidc_issuer=identity.issuer,
                        oidc_subject=identity.subject,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            # Two first requests raced (the other one created the user), or the name was
            # taken by another subject meanwhile.
            found = await self.find_user(identity)
            if found is None:
                raise
            if not found.bound_to(identity):
                raise name_taken(identity) from None
            return found.user_id
        return user_id

    async def load(self, user_id: str) -> KnownUser | None:
        async with self.sessions() as s:
            user = await s.get(User, user_id)
            if user is None:
                return None
            projects = (
                (
                    await s.execute(
                        select(ProjectMember.project_id).where(ProjectMember.user_id == user_id)
                    )
                )
                .scalars()
                .all()
            )
        roles = frozenset(Role(r) for r in (user.roles or ()) if r in Role._value2member_map_)
        return KnownUser(
            user.id, user.lab_id, roles, user.clearance, user.disabled, frozenset(projects)
        )


class OidcAuthenticator:
    """Callable the API-key authenticator hands JWTs to."""

    def __init__(
        self,
        verifier: OIDCVerifier,
        directory: SqlUserDirectory,
        *,
        cache_ttl_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        clearance: Callable[[str, str | None, frozenset[str]], str | None] | None = None,
    ) -> None:
        self.clearance = clearance
        self.verifier = verifier
        self.directory = directory
        self.cache_ttl_s = cache_ttl_s
        self._clock = clock
        self._users: dict[tuple[str, str], tuple[float, KnownUser]] = {}

    def forget_user(self, user_id: str) -> None:
        self._users = {k: v for k, v in self._users.items() if v[1].user_id != user_id}

    async def _known(self, identity: VerifiedIdentity) -> KnownUser:
        key = (identity.issuer, identity.subject or identity.user_id)
        now = self._clock()
        hit = self._users.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            user_id, _ = await admit(identity, self.directory)
        except ProvisioningError as exc:
            raise forbidden(exc.message, code=exc.code) from None
        known = await self.directory.load(user_id)
        if known is None:
            raise unauthorized("the account for this token no longer exists", code="unknown_user")
        self._users[key] = (now + self.cache_ttl_s, known)
        return known

    def _clearance(self, identity: VerifiedIdentity, user: KnownUser) -> str | None:
        """The request's clearance marking.

        When the issuer has a ``clearance_claim``, the IdP alone decides: this token's claim
        mapped through the issuer's ``[labels.issuers]`` levels, and nothing (the deployment's
        ``default_clearance``, the lowest level by default) when the claim is absent or maps to
        nothing. Never the raw claim, never what an earlier token said. An issuer without a
        ``clearance_claim`` leaves clearance to labgate: the one granted on the account.
        """
        if not identity.clearance_by_idp:
            return user.clearance
        if self.clearance is None:
            return None
        return self.clearance(identity.issuer, identity.clearance, identity.compartments)

    async def __call__(self, token: str, headers: Mapping[str, str]) -> Principal:
        try:
            identity = await self.verifier.verify(token)
        except TokenError as exc:
            if exc.retryable:
                raise unavailable(exc.message, retry_after_s=10, code=exc.check) from None
            raise unauthorized(exc.message, code=exc.check) from None
        user = await self._known(identity)
        if user.disabled:
            raise unauthorized("this account is disabled", code="user_disabled")
        project = headers.get(PROJECT_HEADER)
        if project:
            if project not in user.projects:
                raise forbidden(
                    f"you are not a member of project {project!r}; ask its project lead to add "
                    "you, or name one of your projects in X-Labgate-Project",
                    code="not_a_member",
                )
        elif len(user.projects) == 1:
            project = next(iter(user.projects))
        else:
            listed = ", ".join(sorted(user.projects)) or "none yet"
            raise APIError(
                400,
                "name the project to charge in the X-Labgate-Project header "
                f"(your projects: {listed})",
                code="project_required",
            )
        return Principal(
            user_id=user.user_id,
            lab=user.lab,
            project=project,
            # roles granted inside labgate, and those this token's IdP groups map to (so they
            # go when the user leaves the group)
            roles=(user.roles | identity.roles) or frozenset({Role.USER}),
            clearance=self._clearance(identity, user),
            key_id=None,
            auth_method="oidc",
        )
