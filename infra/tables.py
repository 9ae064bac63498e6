"""One DynamoDB table per catalog entry, shaped exactly as the catalog says."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.catalog import TABLES, Key, TableDef


class Tables(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, definitions: tuple[TableDef, ...] = TABLES
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_id: dict[str, dynamodb.ITable] = {
            definition.id: _table(self, definition) for definition in definitions
        }


def _table(scope: Construct, definition: TableDef) -> dynamodb.Table:
    table = dynamodb.Table(
        scope,
        definition.id,
        partition_key=_attribute(definition.partition_key),
        sort_key=_attribute(definition.sort_key) if definition.sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute=definition.ttl_attribute,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        deletion_protection=definition.retain,
        removal_policy=RemovalPolicy.RETAIN if definition.retain else RemovalPolicy.DESTROY,
    )
    for index in definition.indexes:
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition_key),
            sort_key=_attribute(index.sort_key) if index.sort_key else None,
            projection_type=_PROJECTIONS[index.projection],
            non_key_attributes=list(index.non_key_attributes) or None,
        )
    return table


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
