"""The request bodies of `POST /api/chargers/{id}/commands/{action}`, for the OpenAPI document.

The route takes any command the engine accepts and the engine checks the payload against the
official OCPP schema of the charger's protocol (that check, not the document, is what the API
enforces). So that clients see the bodies, the document embeds those same official schemas as
components — `Ocpp16<Action>Request`, `Ocpp201<Action>Request`, the 2.0.1 data types shared
as `Ocpp201<Type>` — and the route's body is `anyOf` them (docs/adr/0039-typed-command-bodies.md).
`anyOf`, not `oneOf`: an empty body is a valid ClearCache and a valid GetLocalListVersion alike.
Built once, from the schema files, without compiling anything.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from shared.commands.engine import CSMS_ACTIONS
from shared.ocpp.validation import default_schemas
from shared.ocpp.versions import OcppVersion

PREFIX = {OcppVersion.V16: "Ocpp16", OcppVersion.V201: "Ocpp201"}
LABEL = {OcppVersion.V16: "OCPP 1.6", OcppVersion.V201: "OCPP 2.0.1"}
# Keys of the official files that mean nothing in an OpenAPI document (or point at the web).
_DROPPED = frozenset({"$schema", "$id", "id", "comment", "javaType"})
COMPONENT_REF = "#/components/schemas/{name}"


def body_name(version: OcppVersion, action: str) -> str:
    return f"{PREFIX[version]}{action}Request"


def _clean(node: Any, version: OcppVersion) -> Any:
    """The schema without the dropped keys, its local refs pointing at the components."""
    if isinstance(node, list):
        return [_clean(item, version) for item in node]
    if not isinstance(node, dict):
        return node
    cleaned: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
            name = PREFIX[version] + value.removeprefix("#/definitions/")
            cleaned[key] = COMPONENT_REF.format(name=name)
        else:
            cleaned[key] = _clean(value, version)
    return cleaned


@cache
def command_body_components() -> dict[str, dict[str, Any]]:
    """Every command's request schema and the data types they use, by component name.

    The 2.0.1 files repeat their shared types (EVSEType, ComponentType, ...) identically, so
    each type is one component; a name reused with another meaning would be a new OCPP
    release: that fails loudly here rather than documenting the wrong type.
    """
    schemas = default_schemas()
    components: dict[str, dict[str, Any]] = {}
    shapes: dict[str, Any] = {}
    for version in (OcppVersion.V16, OcppVersion.V201):
        for action in sorted(CSMS_ACTIONS[version]):
            source = copy.deepcopy(schemas.source(version, action, "request"))
            for name, definition in source.pop("definitions", {}).items():
                component = PREFIX[version] + name
                cleaned = _clean(definition, version)
                shape = {k: v for k, v in cleaned.items() if k != "description"}
                if shapes.setdefault(component, shape) != shape:
                    raise ValueError(f"{component} differs between the OCPP schema files")
                components.setdefault(component, cleaned)
            body = _clean(source, version)
            body["title"] = f"{action} ({LABEL[version]})"
            components[body_name(version, action)] = body
    return components


@cache
def command_body_schema() -> dict[str, Any]:
    """The generic route's request body: any command's payload."""
    return {
        "description": "The OCPP request payload of `action`, checked against the official "
        "schema of the charger's protocol (a violation is a 400 naming the field). Each "
        "alternative is one action of one version.",
        "anyOf": [
            {"$ref": COMPONENT_REF.format(name=body_name(version, action))}
            for version in (OcppVersion.V16, OcppVersion.V201)
            for action in sorted(CSMS_ACTIONS[version])
        ],
    }


def command_actions() -> list[str]:
    """Every action of either version, for the `action` path parameter."""
    return sorted({a for actions in CSMS_ACTIONS.values() for a in actions})
