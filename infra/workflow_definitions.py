"""Renders a state machine's ASL file for one deployment: the CDK stack or the local platform.

Both render the same file (`StateMachineDef.definition_file`) with the same placeholders:

    ${Function:<catalog function name>}  ->  the function's ARN
    ${Table:<catalog table id>}          ->  the table's name

The catalog's `timeout_s` becomes the definition's top-level `TimeoutSeconds`.
A placeholder the state machine does not declare (or a declared function or table the file
never uses) is an error: the role's grants are derived from the declaration, so the two must
match. Plain Python: importing this module never imports aws-cdk-lib.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from infra.catalog import StateMachineDef

WORKFLOWS_DIR = Path(__file__).resolve().parent / "workflows"

# Any ${...}: the known kinds are checked after matching, so a typo is reported, not kept.
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_KINDS = ("Function", "Table")


class DefinitionError(ValueError):
    """A definition file that cannot be rendered for its StateMachineDef."""


def definition_path(definition: StateMachineDef, root: Path = WORKFLOWS_DIR) -> Path:
    """The ASL file of `definition` (relative to infra/workflows/, or absolute)."""
    return root / definition.definition_file


def render_definition(
    definition: StateMachineDef,
    *,
    function_arns: Mapping[str, str],
    table_names: Mapping[str, str],
    text: str | None = None,
    root: Path = WORKFLOWS_DIR,
) -> str:
    """The definition's ASL with every placeholder replaced.

    `function_arns` / `table_names` need to hold (at least) the declared functions and
    tables; the values may be CDK tokens (resolved at synthesis). `text` overrides the file.
    Raises DefinitionError naming the file and the offending placeholder.
    """
    if text is None:
        text = definition_path(definition, root).read_text(encoding="utf-8")
    source = f"{definition.id} ({definition.definition_file})"
    declared = {
        "Function": set(definition.functions),
        "Table": {table_id for table_id, _ in definition.tables},
    }
    values = {"Function": function_arns, "Table": table_names}
    used: dict[str, set[str]] = {kind: set() for kind in _KINDS}

    def substitute(match: re.Match[str]) -> str:
        kind, _, name = match.group(1).partition(":")
        if kind not in _KINDS or not name:
            raise DefinitionError(
                f"{source}: unknown placeholder {match.group(0)!r}; use "
                "${Function:<function name>} or ${Table:<table id>}"
            )
        if name not in declared[kind]:
            raise DefinitionError(
                f"{source}: {match.group(0)} is not declared in the StateMachineDef's "
                f"{'functions' if kind == 'Function' else 'tables'}"
            )
        if name not in values[kind]:
            raise DefinitionError(f"{source}: no value for {match.group(0)}")
        used[kind].add(name)
        return values[kind][name]

    rendered = _PLACEHOLDER.sub(substitute, text)
    for kind in _KINDS:
        unused = declared[kind] - used[kind]
        if unused:
            raise DefinitionError(
                f"{source}: declares {kind.lower()}s it never uses: {sorted(unused)} "
                "(its role would be granted more than it needs)"
            )
    try:
        document = json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"{source}: not valid JSON after rendering: {exc}") from exc
    # The catalog's timeout is the execution's (CDK's `timeout` does not reach a definition
    # given as a string): the file leaves it out, or agrees.
    timeout = document.setdefault("TimeoutSeconds", definition.timeout_s)
    if timeout != definition.timeout_s:
        raise DefinitionError(
            f"{source}: TimeoutSeconds {timeout} differs from the catalog's {definition.timeout_s}"
        )
    return json.dumps(document, indent=1)


def check_references(
    state_machines: tuple[StateMachineDef, ...],
    *,
    functions: Mapping[str, object],
    tables: Mapping[str, object],
) -> None:
    """Every function and table a state machine declares exists in the catalog."""
    for machine in state_machines:
        for name in machine.functions:
            if name not in functions:
                raise DefinitionError(f"{machine.id}: unknown function {name!r}")
        for table_id, actions in machine.tables:
            if table_id not in tables:
                raise DefinitionError(f"{machine.id}: unknown table {table_id!r}")
            if not actions:
                raise DefinitionError(f"{machine.id}: no DynamoDB actions named for {table_id}")
