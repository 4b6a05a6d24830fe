"""Admission details: where the label comes from, the error shape, labels off, identity claims."""

from __future__ import annotations

import orjson
import pytest

from labgate.access.config import LabelsConfig
from labgate.access.policy import (
    LABEL_FIELD,
    LABEL_HEADER,
    AccessPolicy,
    LabelSource,
    Rule,
    policy_for,
)
from labgate.identity.principal import Principal

from .conftest import labels_table

NUC_USER = Principal("ada", lab="lanl", project="weapons", clearance="SECRET//NUC")


def test_the_header_states_the_label(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "nuc", header="secret//nuc", body_field=None)
    assert d.allowed and d.marking == "SECRET//NUC" and d.source is LabelSource.HEADER


def test_the_body_field_states_the_label(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "nuc", header=None, body_field="SECRET")
    assert d.allowed and d.marking == "SECRET" and d.source is LabelSource.BODY


def test_no_label_stated_means_the_default(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "nuc", header="  ", body_field="")
    assert d.allowed and d.marking == "UNCLASSIFIED" and d.source is LabelSource.DEFAULT


def test_header_and_field_must_agree(policy: AccessPolicy) -> None:
    same = policy.decide_for_request(
        NUC_USER, "nuc", header="SECRET//NUC", body_field="secret//nuc"
    )
    assert same.allowed and same.marking == "SECRET//NUC"
    differ = policy.decide_for_request(NUC_USER, "nuc", header="SECRET", body_field="SECRET//NUC")
    assert not differ.allowed and differ.rule is Rule.MALFORMED and differ.status == 400


def test_a_body_field_that_is_not_a_string_is_malformed(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "nuc", header=None, body_field=["SECRET"])
    assert d.rule is Rule.MALFORMED and LABEL_FIELD in d.message


def test_remembered_decisions_follow_the_callers_clearance(policy: AccessPolicy) -> None:
    low = Principal("bob", lab="lanl", project="weapons", clearance="UNCLASSIFIED")
    first = policy.decide_for_request(NUC_USER, "nuc", header="SECRET//NUC", body_field=None)
    again = policy.decide_for_request(NUC_USER, "nuc", header="SECRET//NUC", body_field=None)
    refused = policy.decide_for_request(low, "nuc", header="SECRET//NUC", body_field=None)
    assert first.allowed and again is first  # remembered, not decided again
    assert not refused.allowed and refused.rule is Rule.CLEARANCE  # another clearance, decided
    other_model = policy.decide_for_request(NUC_USER, "open", header="SECRET//NUC")
    assert not other_model.allowed and other_model.rule is Rule.ACCREDITATION


def test_remembered_decisions_stay_bounded(policy: AccessPolicy) -> None:
    for i in range(5000):  # stated labels are the client's text: any number of them
        policy.decide_for_request(NUC_USER, "nuc", header=f"SECRET//X{i}", body_field=None)
    assert len(policy._decisions) <= 4096
    d = policy.decide_for_request(NUC_USER, "nuc", header="SECRET//NUC", body_field=None)
    assert d.allowed


def test_the_default_request_label_is_configurable() -> None:
    policy = AccessPolicy(LabelsConfig.model_validate(labels_table(default_request_label="CUI")))
    assert policy.decide_request(NUC_USER, None, "cui").marking == "CUI"
    refused = policy.decide_request(NUC_USER, None, "open")
    assert refused.rule is Rule.ACCREDITATION and refused.marking == "CUI"


def test_users_without_clearance_get_the_default_clearance() -> None:
    policy = AccessPolicy(LabelsConfig.model_validate(labels_table(default_clearance="CUI")))
    nobody = Principal("n")
    assert policy.decide_request(nobody, "CUI", "cui").allowed
    assert policy.decide_request(nobody, "SECRET", "nuc").rule is Rule.CLEARANCE


def test_a_refusal_becomes_an_openai_shaped_error(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "open", header="SECRET//NUC")
    err = d.to_api_error()
    assert err.status == 403
    body = orjson.loads(err.to_response().body)
    assert body["error"]["type"] == "permission_error"
    assert body["error"]["code"] == "label_accreditation"
    assert body["error"]["param"] == LABEL_HEADER
    assert "accredited" in body["error"]["message"]
    bad = policy.decide_for_request(NUC_USER, "open", header=None, body_field="SECRET//")
    assert bad.to_api_error().status == 400 and bad.to_api_error().param == LABEL_FIELD


def test_an_allowed_decision_is_not_an_error(policy: AccessPolicy) -> None:
    with pytest.raises(ValueError):
        policy.decide_request(NUC_USER, None, "open").to_api_error()


def test_refusals_carry_what_the_audit_record_needs(policy: AccessPolicy) -> None:
    d = policy.decide_for_request(NUC_USER, "open", header="SECRET//NUC")
    assert d.audit_details() == {
        "rule": "accreditation",
        "label": "SECRET//NUC",
        "stated": "SECRET//NUC",
        "source": "header",
        "model": "open",
    }
    junk = policy.decide_request(NUC_USER, "\x00" + "X" * 500, "open")
    details = junk.audit_details()
    assert details["rule"] == "malformed" and details["label"] is None
    assert len(details["stated"]) == 64 and "\x00" not in details["stated"]


# -- conversations: the answer never goes below what the conversation already holds -----------


def test_a_continued_conversation_raises_the_default_label(policy: AccessPolicy) -> None:
    d = policy.decide_request(NUC_USER, None, "nuc", context_label="SECRET//NUC")
    assert d.allowed and d.marking == "SECRET//NUC"


def test_stating_a_label_below_the_conversation_is_a_write_down(policy: AccessPolicy) -> None:
    d = policy.decide_request(NUC_USER, "UNCLASSIFIED", "nuc", context_label="SECRET//NUC")
    assert d.rule is Rule.WRITE_DOWN and d.status == 403
    assert "SECRET//NUC" in d.message


def test_a_continued_conversation_above_the_clearance_is_refused(policy: AccessPolicy) -> None:
    secret = Principal("s", clearance="SECRET")
    d = policy.decide_request(secret, None, "nuc", context_label="SECRET//NUC")
    assert d.rule is Rule.CLEARANCE


def test_an_unreadable_conversation_label_is_refused(policy: AccessPolicy) -> None:
    d = policy.decide_request(NUC_USER, None, "nuc", context_label="SECRET//BOGUS")
    assert d.rule is Rule.MALFORMED and "new conversation" in d.message


# -- labels off: the open deployment ----------------------------------------------------------


def test_with_labels_off_everything_is_unclassified_and_passes() -> None:
    policy = AccessPolicy()
    assert not policy.enabled
    cleared = Principal("c", clearance="TOP SECRET//WHATEVER")
    for stated in (None, "UNCLASSIFIED", "unclassified"):
        d = policy.decide_request(cleared, stated, "any-model")
        assert d.allowed and d.marking == "UNCLASSIFIED"
    assert policy.may_read(Principal("p"), "UNCLASSIFIED")
    assert policy.may_route("UNCLASSIFIED", policy.worker_accreditation("any-model"))
    assert policy.banner().text == "UNCLASSIFIED"


def test_with_labels_off_classified_work_is_refused() -> None:
    d = AccessPolicy().decide_request(Principal("c"), "SECRET", "m")
    assert d.rule is Rule.UNKNOWN_LEVEL and "UNCLASSIFIED work only" in d.message


def test_policy_for_settings_without_labels_is_the_open_policy() -> None:
    class Bare:
        pass

    assert not policy_for(Bare()).enabled


# -- identity: clearance claims -----------------------------------------------------------------


def test_clearance_claims_map_through_the_issuer(policy: AccessPolicy) -> None:
    iss = "https://idp.lab.example"
    assert policy.clearance_from_claims(iss, "Q", ["weapons-effects"]) == "SECRET//NUC"
    assert policy.clearance_from_claims(iss, "L", []) == "CUI"
    assert policy.clearance_from_claims(iss, "Q", ["SIGMA", "unknown-thing"]) == "SECRET//SIGMA"
    assert policy.clearance_from_claims(iss, "X", ["weapons-effects"]) is None
    assert policy.clearance_from_claims(iss, None, []) is None


def test_unmapped_issuers_must_send_markings(policy: AccessPolicy) -> None:
    other = "https://idp.other.example"
    assert policy.clearance_from_claims(other, "secret//nuc", []) == "SECRET//NUC"
    assert policy.clearance_from_claims(other, "Q", []) is None


def test_a_mapped_clearance_is_admitted_like_any_other(policy: AccessPolicy) -> None:
    marking = policy.clearance_from_claims("https://idp.lab.example", "Q", ["weapons-effects"])
    user = Principal("q", clearance=marking, auth_method="oidc")
    assert policy.decide_request(user, "SECRET//NUC", "nuc").allowed
