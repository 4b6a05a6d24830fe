"""OIDC bearer tokens checked against a real issuer on loopback (real RSA and EC keys, real HTTP).

Time is a fake clock shared by the issuer (for ``iat``/``exp``) and the verifier (for every
check and cache expiry), so expiry, TTLs and refresh intervals are tested without sleeping.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import ValidationError

from labgate.identity.oidc import (
    Account,
    OIDCConfig,
    OIDCIssuerConfig,
    OIDCVerifier,
    ProvisioningError,
    TokenError,
    VerifiedIdentity,
    admit,
    looks_like_jwt,
)
from labgate.identity.principal import Role
from tests.identity.issuer import LoopbackIssuer, raw_token

START = 1_750_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def issuer(clock: FakeClock) -> AsyncIterator[LoopbackIssuer]:
    async with LoopbackIssuer(algorithms=("RS256", "ES256", "ES384"), clock=clock) as running:
        yield running


MakeVerifier = Callable[..., OIDCVerifier]


@pytest.fixture
async def make_verifier(issuer: LoopbackIssuer, clock: FakeClock) -> AsyncIterator[MakeVerifier]:
    made: list[OIDCVerifier] = []

    def make(token_cache_size: int = 100, **overrides: Any) -> OIDCVerifier:
        settings = {"lab": "lab-a", "jwks_uri": issuer.jwks_uri, **overrides}
        config = OIDCIssuerConfig.model_validate(issuer.config(**settings))
        verifier = OIDCVerifier([config], clock=clock, token_cache_size=token_cache_size)
        made.append(verifier)
        return verifier

    yield make
    for verifier in made:
        await verifier.aclose()


async def refused(verifier: OIDCVerifier, token: str) -> TokenError:
    with pytest.raises(TokenError) as caught:
        await verifier.verify(token)
    return caught.value


# ----------------------------------------------------------------------------- good tokens


async def test_rsa_token_verifies_and_maps_every_configured_claim(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(
        user_claim="email",
        clearance_claim="clearance",
        compartments_claim="compartments",
        roles_claim="groups",
        role_map={"lg-leads": "project_lead", "lg-audit": "auditor"},
    )
    token = issuer.mint(
        "RS256",
        sub="0042",
        email="ada@lab-a.gov",
        email_verified=True,
        name="Ada L.",
        clearance="SECRET",
        compartments=["NUC", "BIO"],
        groups=["lg-leads", "physics"],
        lifetime_s=600,
    )
    identity = await verifier.verify(token)
    assert identity.user_id == "ada@lab-a.gov"
    assert identity.subject == "0042"
    assert identity.lab == "lab-a"
    assert identity.issuer == issuer.issuer
    assert identity.name == "Ada L."
    assert identity.clearance == "SECRET"
    assert identity.compartments == frozenset({"NUC", "BIO"})
    assert identity.roles == frozenset({Role.USER, Role.PROJECT_LEAD})
    assert identity.expires_at == int(clock.now + 600)
    assert identity.provisioning == "deny"
    assert identity.claims["groups"] == ["lg-leads", "physics"]
    principal = identity.to_principal("fusion-7")
    assert (principal.user_id, principal.lab, principal.project) == (
        "ada@lab-a.gov",
        "lab-a",
        "fusion-7",
    )
    # the raw claim is an input to the issuer's mapping, never a clearance by itself
    assert principal.auth_method == "oidc" and principal.clearance is None
    assert identity.to_principal("fusion-7", clearance="SECRET").clearance == "SECRET"


async def test_ec_token_verifies_with_default_mapping(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier()
    identity = await verifier.verify(issuer.mint("ES256", sub="u-77"))
    assert identity.user_id == "u-77"
    assert identity.roles == frozenset({Role.USER})
    assert identity.clearance is None and identity.compartments == frozenset()


async def test_nested_claims_and_space_separated_compartments(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(
        user_claim="preferred_username",
        compartments_claim="labels.compartments",
        roles_claim="realm_access.roles",
        role_map={"admins": "lab_admin"},
    )
    token = issuer.mint(
        preferred_username="grace",
        labels={"compartments": "NUC  CHEM,BIO"},
        realm_access={"roles": ["admins"]},
    )
    identity = await verifier.verify(token)
    assert identity.user_id == "grace"
    assert identity.compartments == frozenset({"NUC", "CHEM", "BIO"})
    assert identity.roles == frozenset({Role.USER, Role.LAB_ADMIN})


async def test_audience_list_needs_only_one_match(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(audience=["labgate", "labgate-dev"])
    identity = await verifier.verify(issuer.mint(aud=["portal", "labgate-dev"], sub="x"))
    assert identity.user_id == "x"


async def test_keys_are_discovered_when_no_jwks_uri_is_configured(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks_uri=None)
    await verifier.verify(issuer.mint())
    await verifier.verify(issuer.mint("ES256"))
    assert (issuer.discovery_fetches, issuer.jwks_fetches) == (1, 1)


async def test_discovery_naming_another_issuer_is_refused(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    # Configured with a trailing slash, the issuer's own document names it without one.
    verifier = make_verifier(issuer=issuer.issuer + "/", jwks_uri=None)
    error = await refused(verifier, issuer.mint(iss=issuer.issuer + "/"))
    assert error.check == "jwks_unavailable"
    assert issuer.jwks_fetches == 0


async def test_expiry_honours_the_leeway(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(leeway_s=30)
    assert await verifier.verify(issuer.mint(lifetime_s=-20))
    error = await refused(verifier, issuer.mint(lifetime_s=-31))
    assert error.check == "expired"
    assert "get a new token from your lab's login" in error.message


# ----------------------------------------------------------------------------- bad tokens

BadToken = Callable[[LoopbackIssuer, FakeClock], str]

BAD_TOKENS: dict[str, tuple[str, BadToken]] = {
    "expired": ("expired", lambda i, c: i.mint(lifetime_s=-3600)),
    "nbf in the future": ("not_yet_valid", lambda i, c: i.mint(nbf=int(c.now) + 600)),
    "iat in the future": ("not_yet_valid", lambda i, c: i.mint(iat=int(c.now) + 600)),
    "wrong audience": ("audience", lambda i, c: i.mint(aud="someone-else")),
    "no audience": ("missing_claim", lambda i, c: i.mint(aud=None)),
    "unknown issuer": ("unknown_issuer", lambda i, c: i.mint(iss="https://idp.elsewhere.org")),
    "issuer near miss": ("issuer", lambda i, c: i.mint(iss=i.issuer + "/")),
    "no issuer": ("missing_claim", lambda i, c: i.mint(iss=None)),
    "forged signature": ("signature", lambda i, c: i.forge("RS256")),
    "forged EC signature": ("signature", lambda i, c: i.forge("ES256")),
    "alg none": ("algorithm", lambda i, c: i.mint_unsigned()),
    "HS256 with the public key": ("algorithm", lambda i, c: i.mint_hmac_with_public_key()),
    "algorithm not allowed for issuer": ("algorithm", lambda i, c: i.mint("ES384")),
    "unknown kid": (
        "unknown_key",
        lambda i, c: i.sign(i.key().private_key, "RS256", "kid-never-seen", payload=i.claims()),
    ),
    "key of another type": (
        "signature",
        lambda i, c: i.sign(i.key().private_key, "RS256", i.key("ES256").kid, payload=i.claims()),
    ),
    "missing exp": ("missing_claim", lambda i, c: i.mint(exp=None)),
    "exp not a number": ("malformed", lambda i, c: i.mint(exp="tomorrow")),
    "missing user claim": ("missing_claim", lambda i, c: i.mint(sub=None)),
    "not a JWT": ("malformed", lambda i, c: "definitely-not-a-token"),
    "two segments": ("malformed", lambda i, c: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"),
    "JWE": ("malformed", lambda i, c: "a.b.c.d.e"),
    "bad base64": ("malformed", lambda i, c: "eyJ!!!.eyJzdWIiOiJ4In0.c2ln"),
    "bad JSON": ("malformed", lambda i, c: raw_token(b"{not json", i.claims(), b"sig")),
    "header not an object": ("malformed", lambda i, c: raw_token(b"[1, 2]", i.claims(), b"s")),
    "kid not a string": (
        "malformed",
        lambda i, c: raw_token({"alg": "RS256", "kid": 7}, i.claims(), b"signature"),
    ),
    "crit header": (
        "malformed",
        lambda i, c: raw_token({"alg": "RS256", "crit": ["b64"], "b64": False}, i.claims(), b"s"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS), ids=list(BAD_TOKENS))
async def test_bad_token_names_the_failed_check_and_leaks_nothing(
    case: str, issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    expected_check, make_token = BAD_TOKENS[case]
    verifier = make_verifier(algorithms=["RS256", "ES256"])
    token = make_token(issuer, clock)
    error = await refused(verifier, token)
    assert error.check == expected_check, error.message
    secrets_in_play = [token, *token.split(".")[1:]]
    for key in (*issuer.keys.values(), *issuer.retired.values()):
        jwk = key.public_jwk()
        secrets_in_play += [key.kid, key.public_pem().decode()[30:90]]
        secrets_in_play += [jwk[name] for name in ("n", "x", "y") if name in jwk]
    leaked = [s for s in secrets_in_play if s and len(s) > 3 and s in error.message]
    assert leaked == []


async def test_unsigned_and_hmac_tokens_are_refused_before_any_key_is_fetched(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier()
    for token in (issuer.mint_unsigned(), issuer.mint_hmac_with_public_key()):
        assert (await refused(verifier, token)).check == "algorithm"
    assert issuer.jwks_fetches == 0


async def test_email_as_user_claim_needs_a_verified_email(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(user_claim="email")
    error = await refused(verifier, issuer.mint(email="eve@lab-a.gov", email_verified=False))
    assert error.check == "missing_claim" and "not verified" in error.message


# ----------------------------------------------------------------------------- keys and caching


async def test_new_key_costs_exactly_one_refetch(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier()
    await verifier.verify(issuer.mint("RS256"))
    assert issuer.jwks_fetches == 1
    new_key = issuer.add_key("RS256")
    clock.advance(11)  # past the minimum refresh interval, well within the TTL
    await verifier.verify(issuer.mint(kid=new_key.kid))
    await verifier.verify(issuer.mint(kid=new_key.kid))
    assert issuer.jwks_fetches == 2


async def test_retired_key_stops_working_after_the_ttl_refresh(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_cache_ttl_s=300)
    old_token = issuer.mint(kid=issuer.key("RS256").kid, lifetime_s=3600)
    await verifier.verify(old_token)
    new_key = issuer.rotate("RS256")
    await verifier.verify(old_token)  # the cached keys still hold the old one
    clock.advance(301)
    error = await refused(verifier, old_token)
    assert error.check == "unknown_key"
    assert issuer.jwks_fetches == 2
    assert (await verifier.verify(issuer.mint(kid=new_key.kid))).lab == "lab-a"
    assert issuer.jwks_fetches == 2


async def test_cached_token_of_a_retired_key_fails_once_a_new_kid_refetch_drops_it(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_cache_ttl_s=300)
    old_token = issuer.mint(kid=issuer.key("RS256").kid, lifetime_s=3600)
    await verifier.verify(old_token)
    new_key = issuer.rotate("RS256")
    clock.advance(11)
    await verifier.verify(issuer.mint(kid=new_key.kid))  # unknown kid: the one refetch
    assert issuer.jwks_fetches == 2
    assert (await refused(verifier, old_token)).check == "unknown_key"
    assert issuer.jwks_fetches == 2


async def test_token_without_kid_uses_the_only_fitting_key(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier()
    rsa_key = issuer.key("RS256")
    token = issuer.sign(rsa_key.private_key, "RS256", None, payload=issuer.claims(sub="nokid"))
    assert (await verifier.verify(token)).user_id == "nokid"
    issuer.add_key("RS256")
    other = make_verifier()  # sees two RSA keys: a token without kid is ambiguous
    assert (await refused(other, token)).check == "unknown_key"


async def test_warm_fetches_keys_up_front_and_reports_failures(
    issuer: LoopbackIssuer, clock: FakeClock
) -> None:
    good = OIDCIssuerConfig.model_validate(issuer.config(lab="lab-a"))
    down = OIDCIssuerConfig.model_validate(
        {"issuer": issuer.issuer + "/nothing-here", "audience": "labgate", "lab": "lab-b"}
    )
    verifier = OIDCVerifier([good, down], clock=clock)
    try:
        report = await verifier.warm()
        assert report[good.issuer] is None
        assert "404" in (report[down.issuer] or "")
        await verifier.verify(issuer.mint())
    finally:
        await verifier.aclose()
    assert issuer.jwks_fetches == 1


async def test_flood_of_unknown_kids_fetches_at_most_once_per_interval(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_min_refresh_interval_s=10)
    await verifier.verify(issuer.mint())
    signer = issuer.key("RS256").private_key

    def random_kid_token(n: int) -> str:
        return issuer.sign(signer, "RS256", f"random-{n}", payload=issuer.claims())

    for second in range(30):
        results = await asyncio.gather(
            *(verifier.verify(random_kid_token(second * 10 + n)) for n in range(10)),
            return_exceptions=True,
        )
        assert all(isinstance(r, TokenError) and r.check == "unknown_key" for r in results)
        clock.advance(1)
    # One initial fetch, then one per 10-second interval: at t=10 and t=20.
    assert issuer.jwks_fetches == 3


async def test_concurrent_cold_start_makes_one_fetch(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier()
    tokens = [issuer.mint(alg, sub=f"u{n}") for n in range(10) for alg in ("RS256", "ES256")]
    identities = await asyncio.gather(*(verifier.verify(t) for t in tokens))
    assert {i.user_id for i in identities} == {f"u{n}" for n in range(10)}
    assert issuer.jwks_fetches == 1


async def test_verified_tokens_are_cached_until_they_expire(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(leeway_s=0)
    token = issuer.mint(lifetime_s=60)
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first
    assert verifier.cache_hits == 1
    clock.advance(61)
    assert (await refused(verifier, token)).check == "expired"


async def test_token_cache_is_bounded_lru(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(token_cache_size=2)
    one, two, three = (issuer.mint(sub=f"u{n}") for n in range(3))
    for token in (one, two, three):
        await verifier.verify(token)
    await verifier.verify(one)  # evicted: verified again
    assert verifier.cache_hits == 0
    await verifier.verify(one)
    assert verifier.cache_hits == 1


# ----------------------------------------------------------------------------- IdP outages


async def test_issuer_answering_errors_gives_jwks_unavailable(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier()
    issuer.available = False
    token = issuer.mint(lifetime_s=3600)
    error = await refused(verifier, token)
    assert error.check == "jwks_unavailable" and error.retryable
    await refused(verifier, token)  # within the minimum interval: no new fetch
    assert issuer.jwks_fetches == 1
    issuer.available = True
    clock.advance(10)
    assert (await verifier.verify(token)).lab == "lab-a"
    assert issuer.jwks_fetches == 2


async def test_issuer_down_gives_jwks_unavailable(clock: FakeClock) -> None:
    down = LoopbackIssuer(clock=clock)
    await down.start()
    token = down.mint()
    config = OIDCIssuerConfig.model_validate(down.config(lab="lab-a", http_timeout_s=2))
    await down.stop()  # nothing listens on its port any more
    verifier = OIDCVerifier([config], clock=clock)
    try:
        error = await refused(verifier, token)
    finally:
        await verifier.aclose()
    assert error.check == "jwks_unavailable"
    assert "try again" in error.message


async def test_held_keys_outlive_their_ttl_during_an_outage_up_to_max_stale(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(jwks_cache_ttl_s=300, jwks_max_stale_s=600, token_cache_size=0)
    token = issuer.mint(lifetime_s=7200)
    await verifier.verify(token)
    issuer.available = False
    clock.advance(301)
    assert (await verifier.verify(token)).lab == "lab-a"  # refetch failed, held keys used
    assert issuer.jwks_fetches == 2
    status = verifier.key_status()[issuer.issuer]
    assert (status.fresh, status.failing, status.keys) == (False, True, 3)
    clock.advance(600)
    assert (await refused(verifier, token)).check == "jwks_unavailable"


async def test_during_an_outage_requests_do_not_wait_for_the_retry(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(token_cache_size=0)
    token = issuer.mint(lifetime_s=7200)
    await verifier.verify(token)
    issuer.available = False
    clock.advance(301)
    await verifier.verify(token)  # the refetch fails: the outage is now known
    issuer.available = True
    issuer.hold_jwks()  # the next refetch hangs until released
    clock.advance(11)
    try:
        # Answered from the held keys while the retry hangs in the background (a verify that
        # waited for it would hang too, and the guard below would fail the test).
        identity = await asyncio.wait_for(verifier.verify(token), timeout=10)
        assert identity.lab == "lab-a"
        await until(lambda: issuer.jwks_fetches == 3)
    finally:
        issuer.release_jwks()
    new_key = issuer.add_key("RS256")
    await until(lambda: verifier.key_status()[issuer.issuer].fresh)
    assert verifier.key_status()[issuer.issuer].fetches == 3
    clock.advance(11)
    assert (await verifier.verify(issuer.mint(kid=new_key.kid))).lab == "lab-a"


async def test_an_empty_jwks_does_not_wipe_the_keys_held(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier, clock: FakeClock
) -> None:
    verifier = make_verifier(token_cache_size=0)
    token = issuer.mint(lifetime_s=7200)
    await verifier.verify(token)
    kept = issuer.keys
    issuer.keys = {}
    clock.advance(301)
    assert (await verifier.verify(token)).lab == "lab-a"
    assert issuer.jwks_fetches == 2
    issuer.keys = kept


async def until(condition: Callable[[], bool], limit: int = 500) -> None:
    """Yield to the event loop until ``condition`` holds (bounded; no timing is asserted)."""
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never came true")


# ----------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"algorithms": ["RS256", "none"]}, "never accepted"),
        ({"algorithms": ["HS256"]}, "shared-secret"),
        ({"algorithms": ["RS1"]}, "unsupported algorithm"),
        ({"algorithms": []}, "at least one"),
        ({"audience": []}, "audience"),
        ({"jwks_uri": "http://idp.lab-a.gov/jwks"}, "plain http"),
        ({"jwks_uri": "http://127.evil.example/jwks"}, "plain http"),
        ({"jwks_uri": "ftp://idp.lab-a.gov/jwks"}, "not an http(s) URL"),
        ({"roles_claim": "groups"}, "role_map"),
        ({"jwks_cache_ttl_s": 5, "jwks_min_refresh_interval_s": 10}, "must not exceed"),
        ({"provisioning": "maybe"}, "provisioning"),
    ],
)
def test_config_refuses_unsafe_or_inconsistent_settings(
    overrides: dict[str, Any], complaint: str
) -> None:
    base = {"issuer": "https://idp.lab-a.gov", "audience": "labgate", "lab": "lab-a"}
    with pytest.raises(ValidationError) as caught:
        OIDCIssuerConfig.model_validate({**base, **overrides})
    assert complaint in str(caught.value)


def test_config_refuses_the_same_issuer_twice() -> None:
    entry = {"issuer": "https://idp.lab-a.gov", "audience": "labgate", "lab": "lab-a"}
    with pytest.raises(ValidationError, match="configured once"):
        OIDCConfig.model_validate({"issuers": [entry, {**entry, "lab": "lab-b"}]})


def test_looks_like_jwt_tells_tokens_from_api_keys(issuer: LoopbackIssuer) -> None:
    assert looks_like_jwt(issuer.mint())
    assert looks_like_jwt(issuer.mint_unsigned())  # reaches the verifier, which says why not
    for not_jwt in ("lg-sk-3f9a0c", "a.b", "a..c", "a.b.c.d", "a b.c.d", ""):
        assert not looks_like_jwt(not_jwt), not_jwt


# ----------------------------------------------------------------------------- provisioning


class Directory:
    """An in-memory user directory: isolates the provisioning policy from the tenancy tables.

    Like the tenancy tables it matches on (issuer, subject) and then on (lab, name); it can also
    be told of names that exist in another lab, as a directory matching on e-mail would find.
    """

    def __init__(self, known: dict[tuple[str, str], str] | None = None) -> None:
        self.users = dict(known or {})  # (lab, name) -> id
        self.bound: dict[str, tuple[str, str]] = {}  # id -> (issuer, subject)
        self.elsewhere: dict[str, Account] = {}  # name -> an account in another lab

    def _account(self, user_id: str, lab: str) -> Account:
        issuer, subject = self.bound.get(user_id, (None, None))
        return Account(user_id, lab, issuer, subject)

    async def find_user(self, identity: VerifiedIdentity) -> Account | None:
        for (lab, _), user_id in self.users.items():
            if self.bound.get(user_id) == (identity.issuer, identity.subject):
                return self._account(user_id, lab)
        if (identity.lab, identity.user_id) in self.users:
            return self._account(self.users[identity.lab, identity.user_id], identity.lab)
        return self.elsewhere.get(identity.user_id)

    async def bind_user(self, user_id: str, identity: VerifiedIdentity) -> bool:
        if user_id in self.bound:
            return False
        self.bound[user_id] = (identity.issuer, identity.subject or "")
        return True

    async def provision_user(self, identity: VerifiedIdentity) -> str:
        user_id = self.users.setdefault((identity.lab, identity.user_id), f"u{len(self.users)}")
        self.bound[user_id] = (identity.issuer, identity.subject or "")
        return user_id


async def test_provisioning_follows_the_labs_policy(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    directory = Directory({("lab-a", "veteran"): "u-vet"})
    auto = await make_verifier(provisioning="auto").verify(issuer.mint(sub="newcomer"))
    user_id, created = await admit(auto, directory)
    assert created and directory.users["lab-a", "newcomer"] == user_id
    assert await admit(auto, directory) == (user_id, False)
    assert auto.to_principal("p1", user_id).user_id == user_id

    deny = make_verifier(provisioning="deny")
    with pytest.raises(ProvisioningError) as caught:
        await admit(await deny.verify(issuer.mint(sub="stranger")), directory)
    assert caught.value.code == "not_provisioned" and "lab admin" in caught.value.message
    assert ("lab-a", "stranger") not in directory.users
    assert await admit(await deny.verify(issuer.mint(sub="veteran")), directory) == (
        "u-vet",
        False,
    )


async def test_a_user_of_another_lab_is_refused(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    directory = Directory()
    directory.elsewhere["alice"] = Account("u-alice", "lab-b")
    identity = await make_verifier(provisioning="auto").verify(issuer.mint(sub="alice"))
    with pytest.raises(ProvisioningError) as caught:
        await admit(identity, directory)
    assert caught.value.code == "wrong_lab"
    assert directory.users == {}


async def test_a_name_binds_only_an_unbound_account_and_never_rebinds(
    issuer: LoopbackIssuer, make_verifier: MakeVerifier
) -> None:
    directory = Directory({("lab-a", "dora"): "u-dora"})  # created by a lab admin
    verifier = make_verifier(provisioning="auto", user_claim="preferred_username")
    dora = await verifier.verify(issuer.mint(sub="dora-1", preferred_username="dora"))
    assert await admit(dora, directory) == ("u-dora", False)
    assert directory.bound["u-dora"] == (issuer.issuer, "dora-1")
    impostor = await verifier.verify(issuer.mint(sub="mallory", preferred_username="dora"))
    with pytest.raises(ProvisioningError) as caught:
        await admit(impostor, directory)
    assert caught.value.code == "subject_mismatch"
    assert directory.bound["u-dora"] == (issuer.issuer, "dora-1")
    assert await admit(dora, directory) == ("u-dora", False)


# ----------------------------------------------------------------------------- the issuer itself


async def test_issuer_serves_from_its_own_thread_for_blocking_callers(clock: FakeClock) -> None:
    with LoopbackIssuer(clock=clock).running_in_thread() as threaded:
        document = await asyncio.to_thread(_get_json, threaded.discovery_url)
        assert document["jwks_uri"] == threaded.jwks_uri
        config = OIDCIssuerConfig.model_validate(threaded.config(lab="lab-t"))
        verifier = OIDCVerifier([config], clock=clock)
        try:
            assert (await verifier.verify(threaded.mint("ES256", sub="t1"))).lab == "lab-t"
        finally:
            await verifier.aclose()
        assert threaded.jwks_fetches == 1
        assert '[[oidc.issuers]]\nissuer = "' + threaded.issuer in threaded.toml_block("lab-t")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
        return json.load(response)
