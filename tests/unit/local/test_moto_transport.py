"""The in-process transport: boto3 calls to the embedded moto's endpoint skip the socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.moto_server import MotoServer
from local.moto_transport import InProcessTransport, install, uninstall


class CountingApp:
    """Wraps moto's WSGI application and counts what reaches it in-process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.app(environ, start_response)


@pytest.fixture
def moto() -> Iterator[MotoServer]:
    with MotoServer(port=0) as server:
        yield server


def _client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_calls_to_the_moto_endpoint_are_answered_in_process(moto: MotoServer) -> None:
    assert moto.app is not None
    app = CountingApp(moto.app)
    transport = InProcessTransport(moto.endpoint, app)
    install(transport)
    try:
        dynamodb = _client("dynamodb", moto.endpoint)
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="t", Item={"k": {"S": "a"}, "n": {"N": "1"}})
        with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.put_item(
                TableName="t",
                Item={"k": {"S": "a"}},
                ConditionExpression="attribute_not_exists(k)",
            )
        kinesis = _client("kinesis", moto.endpoint)
        kinesis.create_stream(StreamName="s", ShardCount=1)
        kinesis.put_record(StreamName="s", Data=b"\x00\xffbinary", PartitionKey="p")
    finally:
        uninstall(transport)
    assert app.calls == 5  # create, put, failed put, create stream, put record
    # The same state over HTTP (another process's view), and no longer in-process.
    item = _client("dynamodb", moto.endpoint).get_item(TableName="t", Key={"k": {"S": "a"}})
    assert item["Item"]["n"] == {"N": "1"}
    assert app.calls == 5


def test_other_endpoints_are_left_to_http(moto: MotoServer) -> None:
    transport = InProcessTransport(moto.endpoint, CountingApp(moto.app))

    class Request:
        url = "http://127.0.0.1:1/@connections/abc"

    assert transport(Request()) is None
    Request.url = moto.endpoint + "0/"  # a different port that starts alike
    assert transport(Request()) is None


def test_sessions_created_before_uninstall_go_over_http_after_it(moto: MotoServer) -> None:
    app = CountingApp(moto.app)
    transport = InProcessTransport(moto.endpoint, app)
    install(transport)
    try:
        early = _client("sqs", moto.endpoint)  # copies the transport's handler
        early.list_queues()
    finally:
        uninstall(transport)
    early.list_queues()
    assert app.calls == 1  # the second call went to the server, not to this application
