"""Cold start: handler imports, the first message through a fresh ws_default, package sizes.

- `import_ms`: import time of each function's handler module in a fresh interpreter.
- `first_message`: a fresh interpreter imports `functions.ws_default.handler` and handles one
  frame, as a cold Lambda does with the event that woke it: a Heartbeat (no AWS call: boto3
  is never imported) and a BootNotification (imports boto3, creates the DynamoDB and
  EventBridge clients, makes their two calls). The calls go over HTTP to a moto server in
  this process, so the figure is import + client set-up + two local round trips.
- `package_sizes`: the code asset and the dependencies layer every function ships, read from
  cdk.out (built by `make synth`) when present.

Medians of N runs; the first run of each probe also writes .pyc files and is discarded. On
Lambda the runtime's own start (~100+ ms) comes on top, and the CPU share is the function's
memory share of a vCPU: these figures are this machine's, not Lambda's.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra.catalog import FUNCTIONS
from local.resources import local_environment

ROOT = Path(__file__).resolve().parent.parent

ENV = {
    **local_environment(),
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_SERVICE_NAME": "csms",
    "POWERTOOLS_METRICS_NAMESPACE": "Csms",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    # What a stack with receiptEmailSender gives receipt_mailer (it refuses to start without).
    "RECEIPT_EMAIL_SENDER": "receipts@example.com",
    "USER_POOL_ID": "us-east-1_bench",
}
# Developer or local-platform settings that would change what the probes measure.
_DROPPED = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_DEV")

_IMPORT_PROBE = """
import time, importlib, json
start = time.perf_counter()
importlib.import_module({module!r})
print(json.dumps({{"ms": (time.perf_counter() - start) * 1000}}))
"""

# Builds the event inline: importing test helpers would import modules the handler loads
# lazily and flatter the figure.
_FIRST_MESSAGE_PROBE = """
import time, json, sys
start = time.perf_counter()
import functions.ws_default.handler as module
imported = time.perf_counter()
event = {{
    "body": {frame!r},
    "isBase64Encoded": False,
    "requestContext": {{
        "routeKey": "$default", "eventType": "MESSAGE", "messageDirection": "IN",
        "connectionId": "cold=", "messageId": "cold-1", "requestTimeEpoch": int(time.time() * 1000),
        "authorizer": {{"chargePointId": {charger!r}, "protocol": "ocpp1.6",
                        "validationMode": "strict", "principalId": {charger!r}}},
    }},
}}
response = module.handler(event, None)
done = time.perf_counter()
if not response.get("body", "").startswith("[3,"):
    sys.exit("unexpected answer: " + json.dumps(response))
print(json.dumps({{"import_ms": (imported - start) * 1000, "total_ms": (done - start) * 1000,
                   "boto3_imported": "boto3" in sys.modules}}))
"""

COLD_CHARGER = "COLD-CP"
FIRST_FRAMES = {
    "Heartbeat": [2, "c1", "Heartbeat", {}],
    "BootNotification": [
        2,
        "c2",
        "BootNotification",
        {"chargePointVendor": "Acme", "chargePointModel": "AC22", "firmwareVersion": "4.2.1"},
    ],
}


def _environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(ENV)
    env.update(extra or {})
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _probe(code: str, env: Mapping[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=dict(env),
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


def import_ms(module: str, runs: int = 10) -> dict[str, float]:
    env = _environment()
    samples = [_probe(_IMPORT_PROBE.format(module=module), env)["ms"] for _ in range(runs + 1)]
    return _summary(samples[1:])


def run(runs: int = 10) -> dict[str, dict[str, float]]:
    """Cold import of each function's handler module: {function: {median_ms, max_ms}}."""
    return {f.name: import_ms(f.handler.rsplit(".", 1)[0], runs) for f in FUNCTIONS}


def first_message(runs: int = 10) -> dict[str, dict[str, Any]]:
    """Import + first frame through a fresh ws_default, per first frame."""
    import boto3

    from local.moto_server import MotoServer
    from local.resources import create_resources, local_environment

    server = MotoServer("127.0.0.1", 0)
    server.start()
    try:
        session = boto3.session.Session(
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106  (moto accepts any credentials)
            region_name="us-east-1",
        )
        create_resources(session, endpoint_url=server.endpoint)
        names = local_environment(server.endpoint)
        session.client("dynamodb", endpoint_url=server.endpoint).put_item(
            TableName=names["CHARGERS_TABLE"],
            Item={"chargePointId": {"S": COLD_CHARGER}, "registrationStatus": {"S": "Accepted"}},
        )
        env = _environment(names)
        results: dict[str, dict[str, Any]] = {}
        for action, frame in FIRST_FRAMES.items():
            code = _FIRST_MESSAGE_PROBE.format(frame=json.dumps(frame), charger=COLD_CHARGER)
            samples = [_probe(code, env) for _ in range(runs + 1)][1:]
            results[f"import + first {action}"] = {
                **_summary([s["total_ms"] for s in samples]),
                "import_median_ms": round(statistics.median(s["import_ms"] for s in samples), 1),
                "boto3_imported": samples[0]["boto3_imported"],
            }
        return results
    finally:
        server.stop()


def _tree_sizes(root: Path) -> tuple[int, int]:
    """(bytes on disk, bytes zipped as CDK ships it) of a directory."""
    raw = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                raw += path.stat().st_size
                archive.write(path, path.relative_to(root).as_posix())
    return raw, buffer.tell()


def _mb(size: int) -> float:
    return round(size / 1_000_000, 2)


def package_sizes(cdk_out: Path = ROOT / "cdk.out") -> dict[str, Any]:
    """Code asset and dependencies layer of each function, from the synthesized template."""
    templates = sorted(cdk_out.glob("*.template.json")) if cdk_out.is_dir() else []
    if not templates:
        return {
            "source": "none",
            "note": "no cdk.out: run `make synth` (the layer needs the package index to build)",
        }
    resources = json.loads(templates[0].read_text())["Resources"]

    def asset_dir(s3_key: Any) -> Path | None:
        if not isinstance(s3_key, str):
            return None
        path = cdk_out / f"asset.{s3_key.split('.')[0]}"
        return path if path.is_dir() else None

    layers = {
        name: asset_dir(r["Properties"]["Content"].get("S3Key"))
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::LayerVersion"
    }
    measured: dict[Path, tuple[int, int]] = {}

    def sizes(path: Path) -> tuple[int, int]:
        if path not in measured:
            measured[path] = _tree_sizes(path)
        return measured[path]

    functions: dict[str, Any] = {}
    for r in resources.values():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        props = r["Properties"]
        code = asset_dir(props.get("Code", {}).get("S3Key"))
        layer_refs = [ref.get("Ref") for ref in props.get("Layers", []) if isinstance(ref, dict)]
        layer_dirs = [layers[ref] for ref in layer_refs if layers.get(ref) is not None]
        if code is None:
            continue
        code_raw, code_zip = sizes(code)
        layer_raw = sum(sizes(d)[0] for d in layer_dirs if d is not None)
        layer_zip = sum(sizes(d)[1] for d in layer_dirs if d is not None)
        name = props.get("Handler", "").split(".")[1] if "." in props.get("Handler", "") else "?"
        functions[name] = {
            "code_mb": _mb(code_raw),
            "code_zip_mb": _mb(code_zip),
            "layer_mb": _mb(layer_raw),
            "layer_zip_mb": _mb(layer_zip),
            "total_mb": _mb(code_raw + layer_raw),
            "total_zip_mb": _mb(code_zip + layer_zip),
        }
    return {"source": f"{cdk_out.name}/{templates[0].name}", "functions": functions}
