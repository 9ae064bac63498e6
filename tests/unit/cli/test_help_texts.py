"""Every option and argument of every command explains itself in --help."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from csms_cli.cli import build_parser


def _parsers(
    parser: argparse.ArgumentParser, path: str
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def test_every_option_has_help_text() -> None:
    missing = [
        f"{path}: {'/'.join(action.option_strings) or action.dest}"
        for path, parser in _parsers(build_parser(), "csms_cli")
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
        and not action.help
    ]
    assert missing == []


def test_the_walk_reaches_the_nested_commands() -> None:
    paths = {path for path, _ in _parsers(build_parser(), "csms_cli")}
    assert {"csms_cli chargers register", "csms_cli sessions list", "csms_cli reset"} <= paths
