from __future__ import annotations

import pytest

from infra import catalog
from tests.infrastructure.template_queries import resource, resources

pytestmark = pytest.mark.infrastructure


def _key_schema(definition: catalog.TableDef | catalog.IndexDef) -> list[dict[str, str]]:
    schema = [{"AttributeName": definition.partition_key.name, "KeyType": "HASH"}]
    if definition.sort_key:
        schema.append({"AttributeName": definition.sort_key.name, "KeyType": "RANGE"})
    return schema


def test_one_table_per_catalog_entry(template, stack):
    assert set(stack.tables.by_id) == {t.id for t in catalog.TABLES}
    assert len(resources(template, "AWS::DynamoDB::Table")) == len(catalog.TABLES)


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_table_keys_indexes_and_ttl_are_the_catalogs(template, stack, definition):
    properties = resource(template, stack.tables.by_id[definition.id])["Properties"]
    assert properties["KeySchema"] == _key_schema(definition)
    keys = [definition.partition_key, definition.sort_key]
    for index in definition.indexes:
        keys += [index.partition_key, index.sort_key]
    assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ({"AttributeName": k.name, "AttributeType": k.type} for k in {k for k in keys if k}),
        key=lambda a: a["AttributeName"],
    )
    indexes = {i["IndexName"]: i for i in properties.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i.name for i in definition.indexes}
    for index in definition.indexes:
        assert indexes[index.name]["KeySchema"] == _key_schema(index)
        assert indexes[index.name]["Projection"] == index.projection_request()
    if definition.ttl_attribute:
        assert properties["TimeToLiveSpecification"] == {
            "AttributeName": definition.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in properties


def test_the_session_indexes_project_nothing_that_changes_while_a_session_runs(template, stack):
    properties = resource(template, stack.tables.by_id[catalog.TRANSACTIONS.id])["Properties"]
    indexes = {i["IndexName"]: i for i in properties["GlobalSecondaryIndexes"]}
    # The live-energy attributes the telemetry consumer writes are not projected.
    for name in ("ByIdTag", "ByStartDay"):
        assert indexes[name]["Projection"] == {
            "ProjectionType": "INCLUDE",
            "NonKeyAttributes": ["status"],
        }


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_tables_are_on_demand_encrypted_and_recoverable(template, stack, definition):
    properties = resource(template, stack.tables.by_id[definition.id])["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in properties
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # AWS-managed KMS key (aws/dynamodb), not a customer key.
    assert properties["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("definition", catalog.TABLES, ids=lambda t: t.id)
def test_data_tables_survive_the_stack_and_transient_ones_do_not(template, stack, definition):
    table = resource(template, stack.tables.by_id[definition.id])
    expected = "Retain" if definition.retain else "Delete"
    assert table["DeletionPolicy"] == expected
    assert table["UpdateReplacePolicy"] == expected
    assert table["Properties"]["DeletionProtectionEnabled"] is definition.retain


def test_the_catalog_has_both_kinds_of_tables():
    # Otherwise the retention test above would check one branch only.
    assert {t.retain for t in catalog.TABLES} == {True, False}


def test_commands_are_kept_per_charger_and_message_and_expire(template, stack):
    properties = resource(template, stack.tables.by_id["Commands"])["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": "chargePointId", "KeyType": "HASH"},
        {"AttributeName": "messageId", "KeyType": "RANGE"},
    ]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    # Outcomes expire anyway: the table goes with the stack.
    assert resource(template, stack.tables.by_id["Commands"])["DeletionPolicy"] == "Delete"


def test_reservations_are_kept_per_charger_and_reservation_and_retained(template, stack):
    table = resource(template, stack.tables.by_id["Reservations"])
    assert table["Properties"]["KeySchema"] == [
        {"AttributeName": "chargePointId", "KeyType": "HASH"},
        {"AttributeName": "reservationId", "KeyType": "RANGE"},
    ]
    assert "TimeToLiveSpecification" not in table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True


def test_an_include_projection_names_its_attributes_and_no_other_does():
    with pytest.raises(ValueError, match="INCLUDE"):
        catalog.IndexDef("byOwner", catalog.Key("owner"), projection="INCLUDE")
    with pytest.raises(ValueError, match="INCLUDE"):
        catalog.IndexDef("byOwner", catalog.Key("owner"), non_key_attributes=("status",))
