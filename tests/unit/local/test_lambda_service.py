"""Lambda's Invoke API for our functions: names as Lambda accepts them, Lambda's error payload."""

from __future__ import annotations

import pytest

from local.invoke import InvocationError
from local.lambda_service import error_payload, function_name


@pytest.mark.parametrize(
    "reference",
    [
        "wf_prepare",
        "wf_prepare:$LATEST",
        "123456789012:function:wf_prepare",
        "arn:aws:lambda:us-east-1:123456789012:function:wf_prepare",
        "arn:aws:lambda:us-east-1:123456789012:function:wf_prepare:$LATEST",
    ],
)
def test_every_form_of_function_name_is_understood(reference):
    assert function_name(reference) == "wf_prepare"


class PaymentDeclined(Exception):
    pass


def test_an_exception_becomes_the_runtimes_error_payload():
    try:
        raise PaymentDeclined("card expired")
    except PaymentDeclined as exc:
        error = InvocationError("pay", "PaymentDeclined: card expired", cause=exc)
    payload = error_payload(error)
    assert payload["errorType"] == "PaymentDeclined"  # what ASL Retry/Catch match
    assert payload["errorMessage"] == "card expired"
    assert payload["stackTrace"]


def test_a_timeout_is_sandbox_timedout():
    error = InvocationError("pay", "Task timed out after 10.00 seconds")
    assert error_payload(error) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "Task timed out after 10.00 seconds",
    }
