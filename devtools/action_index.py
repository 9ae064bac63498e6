"""docs/actions.md: every OCPP action, its direction and versions, and the code that handles or
sends it, read from the running code (the router's routes, the command engine's action table,
the answer follow-ups wired in shared.bootstrap, the simulated charger's command table).

    python -m devtools.action_index > docs/actions.md      (make docs)

tests/unit/test_action_index.py fails when the committed file drifts from the code.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from shared.bootstrap import Services, build_router
from shared.commands.engine import CSMS_ACTIONS
from shared.ocpp.router import Router
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion
from simulator.command_handlers import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = (OcppVersion.V16, OcppVersion.V201)
GENERIC_SEND = "`POST /api/chargers/{chargePointId}/commands/{action}` → `CommandEngine.send`"


def where(function: Callable[..., Any]) -> str:
    """`path` `Qualified.name` of a function or bound method."""
    target = inspect.unwrap(getattr(function, "__func__", function))
    path = Path(inspect.getsourcefile(target) or "?").resolve().relative_to(ROOT)
    return f"`{path.as_posix()}` `{target.__qualname__}`"


def engine_senders(package: Path) -> dict[str, list[str]]:
    """Action -> the functions that send it with a literal action name (`...engine.send(cp,
    "ReserveNow", ...)`), found in the source: the shortcuts beside the generic route."""
    senders: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for scope in _functions(tree):
            for node in ast.walk(scope.node):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "send"
                    and "engine" in ast.unparse(node.func.value)
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                    and isinstance(node.args[1].value, str)
                ):
                    relative = path.relative_to(ROOT).as_posix()
                    entry = f"`{relative}` `{scope.qualname}`"
                    senders.setdefault(node.args[1].value, []).append(entry)
    return senders


class _Scope:
    def __init__(self, node: ast.AST, qualname: str) -> None:
        self.node = node
        self.qualname = qualname


def _functions(tree: ast.Module) -> Iterator[_Scope]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    yield _Scope(item, f"{node.name}.{item.name}")
        elif isinstance(node, ast.FunctionDef):
            yield _Scope(node, node.name)


def _versions(present: Iterable[OcppVersion]) -> tuple[str, str]:
    found = set(present)
    return tuple("✓" if v in found else "" for v in VERSIONS)  # type: ignore[return-value]


def _per_version(entries: dict[OcppVersion, str], versions: Iterable[OcppVersion]) -> str:
    """One location when it serves every version of the action, else each version's."""
    if set(entries) == set(versions) and len(set(entries.values())) == 1:
        return next(iter(entries.values()))
    return "<br>".join(f"{v.value[4:]}: {entry}" for v, entry in entries.items())


def charger_to_csms(router: Router) -> list[str]:
    rows = [
        "| Action | 1.6 | 2.0.1 | Handled by |",
        "|---|:-:|:-:|---|",
    ]
    actions = sorted({a for v in VERSIONS for a in router.actions(v)})
    for action in actions:
        handlers = {v: router.handler(v, action) for v in VERSIONS}
        found = {v: where(h) for v, h in handlers.items() if h is not None}
        v16, v201 = _versions(found)
        rows.append(f"| {action} | {v16} | {v201} | {_per_version(found, found)} |")
    return rows


def csms_to_charger(services: Services) -> list[str]:
    rows = [
        "| Action | 1.6 | 2.0.1 | Sent by | When the charger answers | Simulated charger |",
        "|---|:-:|:-:|---|---|---|",
    ]
    senders = engine_senders(ROOT / "shared")
    actions = sorted({a for v in VERSIONS for a in CSMS_ACTIONS[v]})
    for action in actions:
        versions = [v for v in VERSIONS if action in CSMS_ACTIONS[v]]
        v16, v201 = _versions(versions)
        sent_by = "<br>".join([GENERIC_SEND, *senders.get(action, [])])
        hooks = [
            *services.engine.answer_hooks.get(action, []),
            *services.engine.next_hooks.get(action, []),
        ]
        follow_up = "<br>".join(where(hook) for hook in hooks) or "stored, `CommandCompleted`"
        simulated = {
            v: where(COMMANDS[v.value][action].answer)
            for v in VERSIONS
            if action in COMMANDS[v.value]
        }
        simulator = _per_version(simulated, versions) if simulated else "not simulated"
        rows.append(f"| {action} | {v16} | {v201} | {sent_by} | {follow_up} | {simulator} |")
    return rows


# The messages the CSMS initiates, per the specifications (OCPP 1.6 with its security
# extension, OCPP 2.0.1 Part 2); every other message of the schemas is the charger's.
# DataTransfer goes both ways.
CSMS_INITIATED: frozenset[str] = frozenset(
    {
        "CancelReservation", "CertificateSigned", "ChangeAvailability", "ChangeConfiguration",
        "ClearCache", "ClearChargingProfile", "ClearDisplayMessage", "ClearVariableMonitoring",
        "CostUpdated", "CustomerInformation", "DataTransfer", "DeleteCertificate",
        "ExtendedTriggerMessage", "GetBaseReport", "GetChargingProfiles", "GetCompositeSchedule",
        "GetConfiguration", "GetDiagnostics", "GetDisplayMessages", "GetInstalledCertificateIds",
        "GetLocalListVersion", "GetLog", "GetMonitoringReport", "GetReport",
        "GetTransactionStatus", "GetVariables", "InstallCertificate", "PublishFirmware",
        "RemoteStartTransaction", "RemoteStopTransaction", "RequestStartTransaction",
        "RequestStopTransaction", "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile",
        "SetDisplayMessage", "SetMonitoringBase", "SetMonitoringLevel", "SetNetworkProfile",
        "SetVariableMonitoring", "SetVariables", "SignedUpdateFirmware", "TriggerMessage",
        "UnlockConnector", "UnpublishFirmware", "UpdateFirmware",
    }
)  # fmt: skip
CHARGER_INITIATED_TOO = frozenset({"DataTransfer"})


def _status(router: Router, version: OcppVersion, action: str) -> str:
    """What the platform does with `action` in `version`: answers it, sends it, or not yet."""
    parts: list[str] = []
    if action not in CSMS_INITIATED or action in CHARGER_INITIATED_TOO:
        parts.append(
            "charger → CSMS: " + ("handled" if router.handler(version, action) else "**not yet**")
        )
    if action in CSMS_INITIATED:
        parts.append(
            "CSMS → charger: " + ("sent" if action in CSMS_ACTIONS[version] else "**not yet**")
        )
    return "<br>".join(parts)


def every_action(router: Router) -> list[str]:
    """Every action of both versions' official schemas, its direction and its state."""
    schemas = default_schemas()
    per_version = {v: set(schemas.actions(v)) for v in VERSIONS}
    rows = ["| Action | 1.6 | 2.0.1 |", "|---|---|---|"]
    for action in sorted(set().union(*per_version.values())):
        cells = [_status(router, v, action) if action in per_version[v] else "—" for v in VERSIONS]
        rows.append(f"| {action} | {cells[0]} | {cells[1]} |")
    return rows


def render(services: Services) -> str:
    router = build_router(services)
    lines = [
        "# OCPP actions",
        "",
        "Every action the platform speaks, by direction, with the code that handles or sends",
        "it. Generated from the code by `make docs` (`python -m devtools.action_index`);",
        "`tests/unit/test_action_index.py` fails when this file drifts from it.",
        "",
        "## Charger → CSMS: CALLs the platform answers",
        "",
        "Every frame arrives on `$default` (`functions/ws_default`), is validated against the",
        "official schema and dispatched by `shared/ocpp/router.py` `Router.handle` to the",
        "handler below. A charger's CALLRESULT or CALLERROR to a command goes to",
        "`shared/commands/engine.py` `CommandEngine.on_reply`.",
        "",
        *charger_to_csms(router),
        "",
        "## CSMS → charger: commands",
        "",
        "Sent with `post_to_connection`, one in flight per charger (ADR 0009). Operators send",
        "any of them through the generic route; the shortcuts listed build the payload from",
        "stored state. Follow-ups run when the answer (or its absence) is final.",
        "",
        *csms_to_charger(services),
        "",
        "## Every action of the official schemas",
        "",
        "Each action of OCPP 1.6 (with its security extension) and OCPP 2.0.1, its direction,",
        "and whether the platform handles it (charger → CSMS) or can send it (CSMS → charger:",
        "through the generic command route, its request body typed in the OpenAPI document).",
        "A charger that sends an action marked *not yet* gets `NotImplemented`; the operator",
        "API refuses to send one (`UnsupportedCommand`).",
        "",
        *every_action(router),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    from tests.fakes import memory_services

    sys.stdout.write(render(memory_services()))


if __name__ == "__main__":
    main()
