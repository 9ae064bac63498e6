"""CPU the Python runtime itself spends per invocation on this machine, outside the handler.

Lambda's Python runtime (the runtime interface client, awslambdaric's bootstrap loop) asks
the Runtime API on localhost for the next event (GET .../invocation/next), builds the
context from the answer's headers, sets the trace id in the environment, json-decodes the
event, calls the handler, json-encodes its result and POSTs it back
(.../invocation/{id}/response). Here a loopback HTTP server in a process of its own plays
the Runtime API, handing out the events Lambda hands the functions (a WebSocket `$default`
message as API Gateway sends it, a Kinesis batch as the event source mapping sends it), and
the client repeats that loop around a handler that returns at once; the client process's
CPU per invocation is the runtime's overhead (the server's work is in the other process).

The managed runtime does its HTTP in a native client (libcurl); this client is http.client,
so the figure is if anything high. Billed duration includes it: benchmarks.cost_model adds
it to every invocation, at the memory size's share of a vCPU.
"""

from __future__ import annotations

import http.client
import itertools
import json
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

NEXT = "/2018-06-01/runtime/invocation/next"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:Csms-WsDefault1A2B3C4D-AbCdEfGhIjKl"
TRACE_ID = "Root=1-674460d1-0a1b2c3d4e5f60718293a4b5;Parent=1a2b3c4d5e6f7081;Sampled=0;Lineage=1"
# The $default route response the handler returns (a Heartbeat's CALLRESULT).
ROUTE_RESPONSE = {
    "statusCode": 200,
    "body": '[3,"h",{"currentTime":"2026-11-25T10:00:00.000Z"}]',
}
BATCH_RESPONSE: dict[str, Any] = {"batchItemFailures": []}
BATCH_SIZES = (1, 100)


def websocket_message_event() -> dict[str, Any]:
    """A MeterValues frame on `$default`, as API Gateway hands it to the function."""
    from benchmarks.aws_calls import CHARGER, SCENARIO_16
    from local.apigw_wire import ApiIdentity, ConnectionFacts, message_event

    frame = dict(SCENARIO_16)["MeterValues"]
    facts = ConnectionFacts(
        connection_id="Kx2e8dWYoAMCKdQ=",
        connected_at=1796576931455,
        source_ip="203.0.113.17",
        domain_name="abcdef1234.execute-api.us-east-1.amazonaws.com",
        api=ApiIdentity("abcdef1234", "prod"),
        authorizer={
            "chargePointId": CHARGER,
            "protocol": "ocpp1.6",
            "validationMode": "strict",
            "principalId": CHARGER,
            "integrationLatency": 41,
        },
    )
    text = json.dumps(frame).replace('"{tx}"', "1234567")
    return message_event(
        facts,
        text,
        message_id="Kx2fBfVDoAMFZ8g=",
        request_id="Kx2fBGKroAMFoSQ=",
        now_ms=1796576991455,
    )


def kinesis_batch_event(records: int) -> dict[str, Any]:
    """A batch of meter-values records (375 bytes each) from a deployed stream."""
    from benchmarks.aws_calls import DEPLOYED_STREAM, stream_record
    from local.delivery.event_shapes import kinesis_event

    return kinesis_event(
        [stream_record(b"x" * 375, "CP-000123", n) for n in range(1, records + 1)],
        DEPLOYED_STREAM,
    )


def _serve(bodies: Sequence[bytes], ready: Any) -> None:
    """The Runtime API: each GET next hands out the next body, each POST is accepted."""
    ids = itertools.count(1)
    cycle = itertools.cycle(bodies)

    class RuntimeApi(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, as a local API's

        def do_GET(self) -> None:
            body = next(cycle)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            invoke_id = f"8476a536-e9f4-11e8-9739-{next(ids):012d}"
            self.send_header("Lambda-Runtime-Aws-Request-Id", invoke_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 3000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)
            self.send_header("Lambda-Runtime-Trace-Id", TRACE_ID)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = b'{"status":"OK"}'
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), RuntimeApi)
    ready.send(server.server_address[1])
    server.serve_forever()


class _Context:
    """What the runtime builds from the answer's headers (awslambdaric's LambdaContext)."""

    def __init__(self, invoke_id: str, deadline_ms: int, function_arn: str) -> None:
        self.aws_request_id = invoke_id
        self._deadline_ms = deadline_ms
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.client_context = None
        self.identity = None


Handler = Callable[[dict[str, Any], _Context], dict[str, Any]]


def _invoke(connection: http.client.HTTPConnection, handler: Handler) -> None:
    """One turn of the runtime's loop around the handler."""
    connection.request("GET", NEXT)
    response = connection.getresponse()
    body = response.read()
    headers = response.headers
    invoke_id = headers["Lambda-Runtime-Aws-Request-Id"]
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    context = _Context(
        invoke_id,
        int(headers["Lambda-Runtime-Deadline-Ms"]),
        headers["Lambda-Runtime-Invoked-Function-Arn"],
    )
    event = json.loads(body)
    result = handler(event, context)
    data = json.dumps(result).encode("utf-8")
    connection.request(
        "POST",
        f"/2018-06-01/runtime/invocation/{invoke_id}/response",
        data,
        {"Content-Type": "application/json"},
    )
    posted = connection.getresponse()
    posted.read()
    if posted.status != 202:
        raise RuntimeError(f"runtime API answered {posted.status}")


def measure(event: dict[str, Any], answer: dict[str, Any], iterations: int) -> float:
    """Median µs of the client's CPU per invocation of this event."""
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    server = spawn.Process(target=_serve, args=([json.dumps(event).encode()], send), daemon=True)
    server.start()
    try:
        if not receive.poll(30):
            raise RuntimeError("the runtime API did not start")
        port = receive.recv()

        def handler(_event: dict[str, Any], _context: _Context) -> dict[str, Any]:
            return answer

        connection = http.client.HTTPConnection("127.0.0.1", port)
        try:
            for _ in range(min(20, iterations)):  # warm: connection open, code paths run
                _invoke(connection, handler)
            samples = []
            for _ in range(iterations):
                begun = time.process_time_ns()
                _invoke(connection, handler)
                samples.append(time.process_time_ns() - begun)
        finally:
            connection.close()
    finally:
        server.terminate()
        server.join(5)
    return statistics.median(samples) / 1000


def run(iterations: int = 1000) -> dict[str, float]:
    """Median µs per invocation: a `$default` message, Kinesis batches of 1 and 100 records,
    and what each record adds to a batch."""
    message = measure(websocket_message_event(), ROUTE_RESPONSE, iterations)
    batches = {n: measure(kinesis_batch_event(n), BATCH_RESPONSE, iterations) for n in BATCH_SIZES}
    small, large = batches[BATCH_SIZES[0]], batches[BATCH_SIZES[-1]]
    per_record = max(0.0, (large - small) / (BATCH_SIZES[-1] - BATCH_SIZES[0]))
    return {
        "websocket_message_us": round(message, 1),
        **{f"kinesis_batch_{n}_us": round(us, 1) for n, us in batches.items()},
        "per_kinesis_record_us": round(per_record, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
