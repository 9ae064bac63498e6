"""What went wrong in a run, in words a newcomer can act on.

The summary counts; this says what failed, why (as the CSMS or the network put it) and what
to try next, e.g. which `python -m csms_cli` command creates the missing id tag or charger.
"""

from __future__ import annotations

from simulator.stats import Summary

CLI = "python -m csms_cli"

# What a refused session's status means, and how to make the CSMS accept the next one.
SESSION_REFUSALS = {
    "Invalid": f"id tag unknown — create it with `{CLI} id-tags put TAG`",
    "Unknown": f"id token unknown — create it with `{CLI} id-tags put TAG`",
    "Blocked": f"id tag blocked — unblock it with `{CLI} id-tags put TAG --status Accepted`",
    "Expired": f"id tag expired — renew it with `{CLI} id-tags put TAG --expiry DATE`",
    "ConcurrentTx": "id tag already charging elsewhere — give each session its own tag "
    "(--id-tag-template)",
    "NoCredit": "no credit on the id tag's account",
}

HANDSHAKE_REFUSALS = {
    "401": "wrong or missing password (--password / --password-template)",
    "403": "the charger may not connect (registration status or password)",
    "404": f"unknown charger or wrong --url — register it with `{CLI} chargers register ID`",
}

NEVER_ACCEPTED_HINT = f"register them with `{CLI} chargers register ID`"


def problems(summary: Summary) -> list[str]:
    """One sentence per kind of failure: counted errors, and sessions the CSMS refused."""
    sentences = [
        _session_refusal(count, status) for status, count in summary.sessions.refused.items()
    ]
    for kind, count in summary.errors.items():
        sentences.append(_error(kind, count, summary))
    return sentences


def _session_refusal(count: int, status: str) -> str:
    why = SESSION_REFUSALS.get(status, "the CSMS did not accept the id tag")
    return f"{_plural(count, 'session')} refused with status {status}: {why}"


def _error(kind: str, count: int, summary: Summary) -> str:
    detail = summary.error_details.get(kind, "")
    if kind == "never_accepted":
        answers = ", ".join(
            f"{status} {n}" for status, n in summary.boot_responses.items() if status != "Accepted"
        )
        why = f"BootNotification answered {answers}" if answers else "no boot answer"
        return f"{_plural(count, 'charger')} never accepted ({why}): {NEVER_ACCEPTED_HINT}"
    if kind.startswith("handshake_refused."):
        status = kind.removeprefix("handshake_refused.")
        why = HANDSHAKE_REFUSALS.get(status, detail or f"HTTP {status}")
        return f"{_plural(count, 'connect')} refused with HTTP {status}: {why}"
    return f"{kind} {count}" + (f": {detail}" if detail else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
