"""Validate payloads against the official OCPP JSON schemas shipped with the ocpp package."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import ocpp
from jsonschema.validators import validator_for  # type: ignore[import-untyped]

SCHEMA_DIRS = {"ocpp1.6": ("v16", "{action}.json"), "ocpp2.0.1": ("v201", "{action}Request.json")}


@cache
def _validator(protocol: str, action: str) -> Any:
    folder, name = SCHEMA_DIRS[protocol]
    path = Path(ocpp.__file__).parent / folder / "schemas" / name.format(action=action)
    schema = json.loads(path.read_text())
    cls = validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_request(protocol: str, action: str, payload: dict[str, Any]) -> None:
    _validator(protocol, action).validate(payload)
