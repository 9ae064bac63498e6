"""receiptEmailSender (docs/drivers.md, "Receipt e-mails"): unset, the template holds nothing of
receipt e-mails; set, the receipt_mailer function, its rule on ReceiptIssued with a dead-letter
queue, and a role that may send from the sender's identity and read users of the stack's pool,
and touch the Receipts table with GetItem and UpdateItem only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra import catalog
from infra.stack import CsmsStack
from tests.infrastructure.synth import build_stack
from tests.infrastructure.template_queries import (
    as_list,
    catalog_functions,
    logical_id,
    referenced_ids,
    resources,
    role_statements,
    template_json,
)

pytestmark = pytest.mark.infrastructure

SENDER = "receipts@example.com"


@pytest.fixture(scope="module")
def mail_stack() -> CsmsStack:
    return build_stack(context={"receiptEmailSender": SENDER})


@pytest.fixture(scope="module")
def mail_template(mail_stack) -> Template:
    return Template.from_stack(mail_stack)


def _joined(value: Any) -> str:
    """An ARN built with Fn::Join, with its pseudo parameters as ${...}."""
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_joined(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    return str(value)


def test_without_the_setting_nothing_of_receipt_emails_is_deployed(template, stack):
    assert "receipt_mailer" not in stack.functions
    assert "ReceiptMail" not in stack.consumers.rules
    text = json.dumps(template_json(template))
    assert "ses:SendEmail" not in text
    assert "cognito-idp:AdminGetUser" not in text
    assert "ReceiptIssued" not in text
    assert "RECEIPT_EMAIL_SENDER" not in text


def test_with_the_setting_every_catalog_function_is_deployed(mail_template, mail_stack):
    assert sorted(mail_stack.functions) == sorted(catalog.FUNCTIONS_BY_NAME)
    assert len(catalog_functions(mail_template, mail_stack)) == len(catalog.FUNCTIONS)


def test_with_the_setting_the_mailer_receives_receipt_issued(mail_template, mail_stack):
    function = mail_stack.functions["receipt_mailer"].function
    rule = mail_stack.consumers.rules["ReceiptMail"]
    properties = resources(mail_template, "AWS::Events::Rule")[logical_id(rule)]["Properties"]
    assert properties["EventPattern"] == {
        "source": [catalog.EVENT_BUS.source],
        "detail-type": ["ReceiptIssued"],
    }
    (target,) = properties["Targets"]
    assert referenced_ids(target["Arn"]) == {logical_id(function)}
    # Undeliverable events are kept, as for every other rule target.
    assert referenced_ids(target["DeadLetterConfig"]["Arn"]) == {
        logical_id(mail_stack.consumers.dead_letters["receipt_mailer"])
    }
    environment = resources(mail_template, "AWS::Lambda::Function")[logical_id(function)][
        "Properties"
    ]["Environment"]["Variables"]
    assert environment["RECEIPT_EMAIL_SENDER"] == SENDER
    assert referenced_ids(environment["USER_POOL_ID"]) == {logical_id(mail_stack.users.user_pool)}


def test_the_mailer_may_send_from_the_senders_identity_only(mail_template, mail_stack):
    statements = role_statements(mail_template, mail_stack, "receipt_mailer")
    (send,) = [s for s in statements if "ses:SendEmail" in as_list(s["Action"])]
    assert as_list(send["Action"]) == ["ses:SendEmail"]
    assert sorted(_joined(arn) for arn in as_list(send["Resource"])) == [
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com",
        f"arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{SENDER}",
    ]


def test_the_mailer_may_read_users_of_the_stacks_pool_only(mail_template, mail_stack):
    statements = role_statements(mail_template, mail_stack, "receipt_mailer")
    cognito = [s for s in statements if any(a.startswith("cognito") for a in as_list(s["Action"]))]
    (lookup,) = cognito
    assert as_list(lookup["Action"]) == ["cognito-idp:AdminGetUser"]
    assert referenced_ids(lookup["Resource"]) == {logical_id(mail_stack.users.user_pool)}


def test_the_mailer_reads_and_marks_receipts_and_nothing_else(mail_template, mail_stack):
    statements = role_statements(mail_template, mail_stack, "receipt_mailer")
    dynamodb = [
        s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    ]
    receipts = logical_id(mail_stack.tables.by_id[catalog.RECEIPTS.id])
    assert [referenced_ids(s["Resource"]) for s in dynamodb] == [{receipts}]
    assert {a for s in dynamodb for a in as_list(s["Action"])} == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    }
    # Nothing else: no bus, no stream, no other table.
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert not any(a.startswith(("events:", "kinesis:", "secretsmanager:")) for a in actions)


def test_only_the_mailer_gets_the_new_permissions(mail_template, mail_stack):
    for name in mail_stack.functions:
        if name == "receipt_mailer":
            continue
        statements = role_statements(mail_template, mail_stack, name)
        actions = {a for s in statements for a in as_list(s["Action"])}
        assert not actions & {"ses:SendEmail", "cognito-idp:AdminGetUser"}, name


def test_every_optional_rule_belongs_to_an_optional_function():
    for rule in catalog.OPTIONAL_EVENT_RULES:
        assert catalog.FUNCTIONS_BY_NAME[rule.function].enabled_by is not None
    optional = {f.name for f in catalog.FUNCTIONS if f.enabled_by}
    assert {r.function for r in catalog.EVENT_RULES}.isdisjoint(optional)
    assert catalog.event_rules() == catalog.EVENT_RULES
    assert catalog.event_rules({"receiptEmailSender"})[-1].function == "receipt_mailer"
