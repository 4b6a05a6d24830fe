"""Configuration of the lab identity providers labgate trusts (``[[oidc.issuers]]``).

Kept apart from the verifier (:mod:`labgate.identity.oidc`) so that the settings can load it
without the verifier's machinery; ``docs/identity.md`` documents every key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from labgate.identity.jwks import KEY_TYPE_FOR_ALGORITHM, check_fetch_url
from labgate.identity.principal import Role


class OIDCIssuerConfig(BaseModel):
    """One lab's identity provider, as written in ``[[oidc.issuers]]``."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1, description="The exact 'iss' of the lab's tokens.")
    audience: str | list[str] = Field(description="'aud' values accepted (any one suffices).")
    jwks_uri: str | None = Field(
        default=None, description="Default: read from <issuer>/.well-known/openid-configuration."
    )
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    lab: str = Field(min_length=1, description="The lab this issuer's users belong to.")
    user_claim: str = Field(default="sub", min_length=1)
    clearance_claim: str | None = None
    compartments_claim: str | None = None
    roles_claim: str | None = Field(default=None, description="Claim listing the user's groups.")
    role_map: dict[str, Role] = Field(default_factory=dict, description="IdP group -> role.")
    default_roles: list[Role] = Field(default_factory=lambda: [Role.USER])
    provisioning: Literal["auto", "deny"] = Field(
        default="deny", description="auto: unknown users are created; deny: they are refused."
    )
    leeway_s: float = Field(default=30.0, ge=0, le=300)
    jwks_cache_ttl_s: float = Field(default=300.0, gt=0)
    jwks_min_refresh_interval_s: float = Field(default=10.0, ge=0)
    jwks_max_stale_s: float = Field(
        default=3600.0, ge=0, description="How long held keys outlive their TTL if the IdP is down."
    )
    http_timeout_s: float = Field(default=5.0, gt=0)
    allow_http: bool = Field(default=False, description="Fetch keys over http off loopback.")

    @field_validator("algorithms")
    @classmethod
    def _only_asymmetric(cls, algorithms: list[str]) -> list[str]:
        if not algorithms:
            raise ValueError('list at least one algorithm, e.g. ["RS256", "ES256"]')
        for alg in algorithms:
            if alg.lower() == "none":
                raise ValueError("'none' is never accepted: unsigned tokens prove nothing")
            if alg.upper().startswith("HS"):
                raise ValueError(
                    f"{alg} is a shared-secret algorithm; labgate verifies lab tokens with the "
                    "issuer's public keys only"
                )
            if alg not in KEY_TYPE_FOR_ALGORITHM:
                choices = ", ".join(KEY_TYPE_FOR_ALGORITHM)
                raise ValueError(f"unsupported algorithm {alg!r}; choose from {choices}")
        return list(dict.fromkeys(algorithms))

    @field_validator("audience")
    @classmethod
    def _some_audience(cls, audience: str | list[str]) -> str | list[str]:
        values = [audience] if isinstance(audience, str) else audience
        if not values or not all(values):
            raise ValueError("give the audience labgate's tokens are issued for (the client id)")
        return audience

    @model_validator(mode="after")
    def _consistent(self) -> OIDCIssuerConfig:
        check_fetch_url(self.jwks_uri or self.issuer, self.allow_http)
        if self.jwks_min_refresh_interval_s > self.jwks_cache_ttl_s:
            raise ValueError("jwks_min_refresh_interval_s must not exceed jwks_cache_ttl_s")
        if bool(self.roles_claim) != bool(self.role_map):
            raise ValueError("set roles_claim and role_map together (groups map to roles)")
        return self

    @property
    def audiences(self) -> frozenset[str]:
        return frozenset([self.audience] if isinstance(self.audience, str) else self.audience)


class OIDCConfig(BaseModel):
    """The ``[oidc]`` table: the accepted issuers and the verified-token cache."""

    model_config = ConfigDict(extra="forbid")

    issuers: list[OIDCIssuerConfig] = Field(default_factory=list)
    token_cache_size: int = Field(default=10_000, ge=0, description="0 turns the cache off.")

    @model_validator(mode="after")
    def _unique_issuers(self) -> OIDCConfig:
        names = [i.issuer for i in self.issuers]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each issuer may be configured once; repeated: {', '.join(repeated)}")
        return self
