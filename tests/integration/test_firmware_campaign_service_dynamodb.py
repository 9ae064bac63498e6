"""The campaign service's scenarios (tests/unit/firmware/test_campaign_service.py) again, over
the DynamoDB campaign store on moto: the same conditions hold in the real adapter."""

from __future__ import annotations

import pytest

from shared.adapters.dynamodb.firmware_campaigns import DynamoCampaignStore
from shared.ports.firmware_campaigns import CampaignStore
from tests.unit.firmware.test_campaign_service import (  # noqa: F401 - collected here too
    test_a_boot_racing_another_report_is_judged_again,
    test_a_busy_charger_after_its_retries_fails_as_busy,
    test_a_busy_charger_is_retried_by_the_workflow,
    test_a_charger_succeeds_at_the_boot_with_the_new_version,
    test_a_closed_window_holds_the_charger,
    test_a_failure_report_fails_the_task_and_a_retry_sends_a_new_request,
    test_a_rejected_command_raises_for_the_workflow_to_catch,
    test_a_repeated_update_step_sends_one_command,
    test_a_start_too_large_for_one_execution_or_without_targets_is_refused,
    test_a_wave_over_the_threshold_halts_the_campaign,
    test_create_preview_start_freezes_targets_and_starts_the_execution,
    test_only_available_images,
    test_pause_holds_new_chargers_and_cancel_ends_them,
    test_sessions_wait_or_skip,
    test_site_concurrency_bounds_chargers_per_site,
    test_the_timeout_fails_the_attempt,
    world,
)


@pytest.fixture
def store(aws_env, dynamodb) -> CampaignStore:
    return DynamoCampaignStore(dynamodb, aws_env.firmware_table)
