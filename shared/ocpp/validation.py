"""Validation of OCPP payloads against the official JSON schemas shipped by the `ocpp` package.

Schemas are read from the package's data files without importing the package itself (its
runtime pulls in jsonschema), compiled with fastjsonschema on first use and kept for the life of
the process: compile once, validate in microseconds.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import fastjsonschema

from shared.ocpp.errors import ErrorKind, OcppError
from shared.ocpp.versions import OcppVersion

PayloadKind = Literal["request", "response"]
Validator = Callable[[Any], Any]

# Which OCPP error a failed schema keyword means. Missing fields and wrong array sizes break the
# occurrence rules; wrong JSON types and formats (date-time, URI) break the data type; a value of
# the right type outside its allowed set (enum, length, range, pattern) breaks a property
# constraint; unknown properties break the PDU's structure.
_KIND_BY_RULE: dict[str, ErrorKind] = {
    "required": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxItems": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minProperties": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxProperties": ErrorKind.OCCURRENCE_CONSTRAINT_VIOLATION,
    "type": ErrorKind.TYPE_CONSTRAINT_VIOLATION,
    "format": ErrorKind.TYPE_CONSTRAINT_VIOLATION,
    "enum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "const": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "maxLength": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "minLength": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "pattern": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "minimum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "maximum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "exclusiveMinimum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "exclusiveMaximum": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "multipleOf": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "uniqueItems": ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorKind.FORMAT_VIOLATION,
}

# Violations a lenient charger is forgiven: the value is usable even though it breaks the schema.
# A missing required field is never forgiven: nothing sensible can be done without it.
LENIENT_TOLERATED: frozenset[ErrorKind] = frozenset(
    {
        ErrorKind.TYPE_CONSTRAINT_VIOLATION,
        ErrorKind.PROPERTY_CONSTRAINT_VIOLATION,
        ErrorKind.FORMAT_VIOLATION,
    }
)

_SCHEMA_DIRS = {OcppVersion.V16: "v16", OcppVersion.V201: "v201"}


def _ocpp_package_dir() -> Path:
    spec = importlib.util.find_spec("ocpp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the ocpp package (which ships the OCPP JSON schemas) is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _schema_file_name(version: OcppVersion, action: str, kind: PayloadKind) -> str:
    if kind == "response":
        return f"{action}Response.json"
    # 1.6 names a request after its action; 2.0.1 adds "Request".
    return f"{action}.json" if version is OcppVersion.V16 else f"{action}Request.json"


def _safe_action_name(action: str) -> bool:
    """Action names come from the wire: only plain identifiers may become file names."""
    return action.isidentifier() and action.isascii() and len(action) <= 64


def _field_path(name: str) -> str:
    """fastjsonschema's 'data.a.b[0]' as 'a.b[0]'."""
    return name.removeprefix("data").removeprefix(".")


@dataclass(frozen=True)
class SchemaViolation:
    kind: ErrorKind
    path: str
    rule: str
    message: str

    def to_error(self, action: str) -> OcppError:
        return OcppError(
            self.kind,
            f"{action}: {self.message}",
            {"path": self.path, "constraint": self.rule},
        )


class OcppSchemas:
    """Compiled validators for every action of every supported version, built lazily."""

    def __init__(self, schema_root: Path | None = None) -> None:
        self._root = schema_root or _ocpp_package_dir()
        self._validators: dict[tuple[OcppVersion, str, PayloadKind], Validator | None] = {}
        self._lock = threading.Lock()

    def _path(self, version: OcppVersion, action: str, kind: PayloadKind) -> Path:
        return (
            self._root
            / _SCHEMA_DIRS[version]
            / "schemas"
            / _schema_file_name(version, action, kind)
        )

    def actions(self, version: OcppVersion) -> list[str]:
        """Every action the version's official schemas define (either direction)."""
        folder = self._root / _SCHEMA_DIRS[version] / "schemas"
        suffix = "Response.json"
        return sorted(path.name[: -len(suffix)] for path in folder.glob(f"*{suffix}"))

    def has_schema(self, version: OcppVersion, action: str, kind: PayloadKind = "request") -> bool:
        """Whether the action has a schema; answered from the file system, nothing compiled."""
        key = (version, action, kind)
        if key in self._validators:
            return self._validators[key] is not None
        return _safe_action_name(action) and self._path(version, action, kind).is_file()

    def source(self, version: OcppVersion, action: str, kind: PayloadKind = "request") -> Any:
        """The official JSON schema as shipped (for documents that show it, e.g. OpenAPI).

        Raises KeyError when there is no schema for the action.
        """
        if not self.has_schema(version, action, kind):
            raise KeyError(f"no {kind} schema for {action} in {version.value}")
        return json.loads(self._path(version, action, kind).read_text(encoding="utf-8"))

    def _validator(self, version: OcppVersion, action: str, kind: PayloadKind) -> Validator | None:
        key = (version, action, kind)
        try:
            return self._validators[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._validators:
                self._validators[key] = self._compile(version, action, kind)
            return self._validators[key]

    def _compile(self, version: OcppVersion, action: str, kind: PayloadKind) -> Validator | None:
        if not _safe_action_name(action):
            return None
        path = self._path(version, action, kind)
        if not path.is_file():
            return None
        schema = json.loads(path.read_text(encoding="utf-8"))
        # The schemas' "$schema"/"$id" point at the internet; fastjsonschema never fetches them,
        # and "id"-based resolution is not used by OCPP schemas (all refs are local).
        compiled: Validator = fastjsonschema.compile(schema, use_default=False)
        return compiled

    def check(
        self, version: OcppVersion, action: str, payload: Any, kind: PayloadKind = "request"
    ) -> SchemaViolation | None:
        """The first schema violation of `payload`, or None when it is valid.

        Raises KeyError when there is no schema for the action.
        """
        return violation_of(self.validator(version, action, kind), payload)

    def validator(self, version: OcppVersion, action: str, kind: PayloadKind) -> Validator:
        """The compiled validator (compiled on first use), for callers that keep it.

        Raises KeyError when there is no schema for the action.
        """
        validator = self._validator(version, action, kind)
        if validator is None:
            raise KeyError(f"no {kind} schema for {action} in {version.value}")
        return validator

    def preload(self, version: OcppVersion, actions: list[str]) -> None:
        """Compile the given actions' schemas now (e.g. at cold start, off the hot path)."""
        for action in actions:
            self._validator(version, action, "request")
            self._validator(version, action, "response")


def violation_of(validator: Validator, payload: Any) -> SchemaViolation | None:
    """The first schema violation of `payload` under `validator`, or None when it is valid."""
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        return _violation(exc)
    return None


def _violation(exc: fastjsonschema.JsonSchemaValueException) -> SchemaViolation:
    rule = str(exc.rule or "")
    kind = _KIND_BY_RULE.get(rule, ErrorKind.FORMAT_VIOLATION)
    path = _field_path(str(exc.name or ""))
    if rule == "required" and isinstance(exc.value, dict) and isinstance(exc.rule_definition, list):
        missing = [name for name in exc.rule_definition if name not in exc.value]
        where = f" in {path}" if path else ""
        noun = "property" if len(missing) == 1 else "properties"
        message = f"required {noun} {', '.join(repr(m) for m in missing)} missing{where}"
        path = ".".join(p for p in (path, missing[0] if missing else "") if p)
    elif rule == "additionalProperties" and isinstance(exc.value, dict):
        message = str(exc.message).replace("data", path or "payload", 1)
    else:
        message = str(exc.message).replace("data.", "", 1).replace("data", "payload", 1)
    return SchemaViolation(kind=kind, path=path, rule=rule, message=message)


_default_schemas: OcppSchemas | None = None


def default_schemas() -> OcppSchemas:
    """The process-wide schemas (validators compiled once per process)."""
    global _default_schemas  # noqa: PLW0603 - a per-process cache is the point
    if _default_schemas is None:
        _default_schemas = OcppSchemas()
    return _default_schemas
