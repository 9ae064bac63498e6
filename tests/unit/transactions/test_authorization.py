import pytest

from tests.unit.transactions.helpers import V201, Station, make_deps


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("GOOD", {"status": "Accepted", "parentIdTag": "FLEET-1"}),
        ("BLOCKED", {"status": "Blocked"}),
        ("OLD", {"status": "Expired", "expiryDate": "2020-01-01T00:00:00.000Z"}),
        ("LATER", {"status": "Accepted", "expiryDate": "2099-01-01T00:00:00.000Z"}),
        ("NOBODY", {"status": "Invalid"}),
    ],
)
def test_authorize_v16_answers_from_the_id_tag_store(tag, expected):
    assert Station(make_deps()).call("Authorize", {"idTag": tag}) == {"idTagInfo": expected}


@pytest.mark.parametrize(
    ("tag", "status"),
    [("GOOD", "Accepted"), ("BLOCKED", "Blocked"), ("OLD", "Expired"), ("NOBODY", "Unknown")],
)
def test_authorize_v201_answers_id_token_info(tag, status):
    answer = Station(make_deps(), V201).call(
        "Authorize", {"idToken": {"idToken": tag, "type": "ISO14443"}}
    )
    assert answer["idTokenInfo"]["status"] == status


def test_v201_expiry_becomes_the_cache_expiry_and_parent_the_group():
    info = Station(make_deps(), V201).call(
        "Authorize", {"idToken": {"idToken": "LATER", "type": "ISO14443"}}
    )["idTokenInfo"]
    assert info["cacheExpiryDateTime"] == "2099-01-01T00:00:00.000Z"
    info = Station(make_deps(), V201).call(
        "Authorize", {"idToken": {"idToken": "GOOD", "type": "ISO14443"}}
    )["idTokenInfo"]
    assert info["groupIdToken"] == {"idToken": "FLEET-1", "type": "Central"}
