"""The Chargers table's password rotation writes (moto), and the in-memory adapter held to the
same contract: each step conditional on the rotation's command id, so redeliveries and a
replaced rotation change nothing."""

import pytest

from shared.adapters.dynamodb.chargers import DynamoChargerRepository
from shared.adapters.memory.chargers import MemoryChargerRepository
from shared.models.charger import ChargerRecord
from shared.ports import ChargerChanges


@pytest.fixture(params=["dynamodb", "memory"])
def chargers(request):
    if request.param == "memory":
        return MemoryChargerRepository()
    aws_env = request.getfixturevalue("aws_env")
    dynamodb = request.getfixturevalue("dynamodb")
    return DynamoChargerRepository(dynamodb, aws_env.chargers_table)


def test_a_rotation_completes_once_and_keeps_the_old_password_and_its_fast_check(chargers):
    chargers.create(ChargerRecord("CP1", password_hash="scrypt$old"))
    chargers.store_auth_verifier("CP1", "scrypt$old", "hmac$old")
    assert not chargers.begin_password_rotation("GHOST", "m1", "scrypt$new")
    assert chargers.get("GHOST") is None
    assert chargers.begin_password_rotation("CP1", "m1", "scrypt$new")
    assert chargers.complete_password_rotation("CP1", "other", 5000) is None
    done = chargers.complete_password_rotation("CP1", "m1", 5000)
    assert done is not None
    assert (done.password_hash, done.auth_verifier) == ("scrypt$new", None)
    assert (done.previous_password_hash, done.previous_auth_verifier) == ("scrypt$old", "hmac$old")
    assert done.previous_password_until_ms == 5000
    assert (done.rotation_command_id, done.rotation_password_hash) == (None, None)
    assert chargers.get("CP1") == done
    # Redelivered: nothing written.
    assert chargers.complete_password_rotation("CP1", "m1", 9000) is None
    assert chargers.get("CP1") == done


def test_a_newer_rotation_replaces_one_not_accepted_and_a_refusal_drops_only_its_own(chargers):
    chargers.create(ChargerRecord("CP1", password_hash="scrypt$old"))
    chargers.begin_password_rotation("CP1", "m1", "scrypt$a")
    chargers.begin_password_rotation("CP1", "m2", "scrypt$b")
    assert chargers.complete_password_rotation("CP1", "m1", 5000) is None
    chargers.drop_password_rotation("CP1", "m1")
    assert chargers.get("CP1").rotation_command_id == "m2"
    chargers.drop_password_rotation("CP1", "m2")
    record = chargers.get("CP1")
    assert (record.rotation_command_id, record.rotation_password_hash) == (None, None)
    assert record.password_hash == "scrypt$old"


def test_no_rotation_without_a_password(chargers):
    chargers.create(ChargerRecord("OPEN"))
    assert not chargers.begin_password_rotation("OPEN", "m1", "scrypt$new")
    assert chargers.get("OPEN").rotation_command_id is None


def test_the_grace_ends_once_and_an_operator_password_clears_everything(chargers):
    chargers.create(ChargerRecord("CP1", password_hash="scrypt$old"))
    chargers.begin_password_rotation("CP1", "m1", "scrypt$new")
    chargers.complete_password_rotation("CP1", "m1", 5000)
    chargers.end_password_grace("CP1", "scrypt$other")  # not its previous: nothing
    assert chargers.get("CP1").previous_password_hash == "scrypt$old"
    chargers.end_password_grace("CP1", "scrypt$old")
    record = chargers.get("CP1")
    assert record.previous_password_hash is None and record.previous_password_until_ms is None
    chargers.end_password_grace("CP1", "scrypt$old")  # again: nothing, no error

    chargers.begin_password_rotation("CP1", "m2", "scrypt$newer")
    chargers.complete_password_rotation("CP1", "m2", 6000)
    chargers.begin_password_rotation("CP1", "m3", "scrypt$newest")
    updated = chargers.update("CP1", ChargerChanges(password_hash="scrypt$operator"))
    assert updated.password_hash == "scrypt$operator"
    assert updated.previous_password_hash is None and updated.rotation_command_id is None
    assert updated.rotation_password_hash is None and updated.previous_password_until_ms is None
