"""A load run's platform starts empty and keeps nothing in the developer's `.local/state`."""

from pathlib import Path

from benchmarks.platform_process import PlatformProcess

REPO = Path(__file__).resolve().parents[3]


def test_a_moto_load_run_keeps_its_tables_in_a_temporary_folder_and_starts_fresh():
    platform = PlatformProcess(start_timeout_s=1, store="moto")
    command = platform.command()
    state_dir = Path(command[command.index("--state-dir") + 1])
    assert "--fresh" in command
    assert REPO not in state_dir.parents
    assert state_dir.is_dir()
    platform.__exit__()  # never started: only its files are cleaned up
    assert not state_dir.exists()


def test_a_memory_load_run_keeps_nothing_at_all():
    platform = PlatformProcess(start_timeout_s=1, store="memory")
    assert "--state-dir" not in platform.command()
    platform.__exit__()
