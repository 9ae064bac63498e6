"""Drivers' payment profiles in DynamoDB (moto): the first customer id stays, the default is
set, cleared only while it is the one named."""

from __future__ import annotations

from shared.adapters.dynamodb.drivers import DynamoDriverRepository
from shared.models.driver import DriverRecord


def test_the_first_customer_stays_and_the_default_follows_its_conditions(aws_env, dynamodb) -> None:
    drivers = DynamoDriverRepository(dynamodb, aws_env.drivers_table)
    assert drivers.get("alice") is None
    assert drivers.set_customer("alice", "cus_1") == DriverRecord("alice", "cus_1")
    # A second, racing first call keeps the first customer.
    assert drivers.set_customer("alice", "cus_2") == DriverRecord("alice", "cus_1")
    assert drivers.set_default_payment_method("alice", "pm_1")
    assert drivers.get("alice") == DriverRecord("alice", "cus_1", "pm_1")
    assert not drivers.set_default_payment_method("alice", None, only_if="pm_other")
    assert drivers.get("alice").default_payment_method_id == "pm_1"
    assert drivers.set_default_payment_method("alice", None, only_if="pm_1")
    assert drivers.get("alice") == DriverRecord("alice", "cus_1")
