"""Exit codes and what a charger's answer to a command means for them.

0 ok, 1 an error (the API, the network, a charger that did not answer or answered nonsense),
2 usage, 3 the charger answered and refused (Rejected, NotSupported, a CALLERROR, ...).
Scripts can then tell "try again later" (1) from "this charger will not do it" (3).
"""

from __future__ import annotations

from typing import Any

OK, ERROR, USAGE, REFUSED = 0, 1, 2, 3

# Answers that mean "done" or "will be done" (UnlockConnector says Unlocked; a 2.0.1 Reset may
# be Scheduled; a setting that needs a reboot was still accepted).
DONE_STATUSES = frozenset({"Accepted", "Unlocked", "Scheduled", "RebootRequired"})


def refusals(result: dict[str, Any] | None) -> list[str]:
    """What the charger refused in a CALLRESULT: its `status`, and each SetVariables item."""
    if not result:
        return []
    found: list[str] = []
    status = result.get("status")
    if isinstance(status, str) and status not in DONE_STATUSES:
        found.append(status)
    for item in result.get("setVariableResult") or []:
        if isinstance(item, dict) and item.get("attributeStatus") not in DONE_STATUSES:
            found.append(str(item.get("attributeStatus")))
    return found


def exit_code(command: dict[str, Any]) -> int:
    """The exit code of a command as the API reports it."""
    status = command.get("status")
    if status == "pending":  # --no-wait: sent, not refused
        return OK
    if status == "error":  # a CALLERROR: the charger's own refusal (NotSupported, ...)
        return REFUSED
    if status == "answered":
        return REFUSED if refusals(command.get("result")) else OK
    return ERROR  # timeout, offline, invalid_response
