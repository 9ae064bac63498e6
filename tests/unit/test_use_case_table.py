"""docs/ocpp201-use-cases.md is generated from the use case catalogue and the tests named after
the use cases: it must not drift, no test may name a use case that does not exist, and a use
case marked built has a test through the local gateway."""

from __future__ import annotations

from pathlib import Path

from devtools.use_cases import BY_ID, USE_CASES, NamedTest, Status, named_tests, render

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ocpp201-use-cases.md"


def test_the_committed_use_case_table_matches_the_tests() -> None:
    assert DOC.read_text() == render(list(named_tests())), (
        "docs/ocpp201-use-cases.md is stale: run `make docs` (python -m devtools.use_cases)"
    )


def test_every_use_case_a_test_names_exists() -> None:
    unknown = {
        (test.path, test.name, use_case)
        for test in named_tests()
        for use_case in test.use_cases
        if use_case not in BY_ID
    }
    assert unknown == set()


def test_every_built_use_case_has_a_test_through_the_gateway() -> None:
    covered = {u for t in named_tests() if t.through_the_gateway for u in t.use_cases}
    untested = [c.id for c in USE_CASES if c.status is Status.BUILT and c.id not in covered]
    assert untested == []


def test_the_catalogue_holds_each_use_case_once_in_block_order() -> None:
    ids = [case.id for case in USE_CASES]
    assert ids == sorted(set(ids))
    assert {i[0] for i in ids} == set("ABCDEFGHIJKLMNOP")


def test_names_and_parametrised_cases_are_both_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests" / "e2e"
    tests.mkdir(parents=True)
    (tests / "test_x.py").write_text(
        "CASES = [Case(action='Reset', use_case='B11')]\n"
        "def test_F02_F03_remote():\n    pass\n"
        "def test_plain():\n    pass\n"
        "def test_B02_16_pending():\n    pass\n"
    )
    found = sorted(named_tests(tmp_path / "tests"), key=lambda t: t.name)
    assert found == [
        NamedTest("tests/e2e/test_x.py", "test_B02_16_pending", ("B02",)),
        NamedTest("tests/e2e/test_x.py", "test_F02_F03_remote", ("F02", "F03")),
        NamedTest("tests/e2e/test_x.py", "test_x[B11]", ("B11",)),
    ]
    assert all(test.through_the_gateway for test in found)
