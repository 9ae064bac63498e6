"""Construct ids derived from catalog names."""

from __future__ import annotations


def construct_id_for(name: str) -> str:
    """`ws_default` -> `WsDefault`: stable ids, hence stable CloudFormation logical ids."""
    return "".join(part.capitalize() for part in name.split("_"))
