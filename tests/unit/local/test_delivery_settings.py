"""Local settings that shape stream and rule delivery reach the platform's Delivery."""

from __future__ import annotations

from local.platform import LocalPlatform
from local.settings import LocalSettings


def test_local_batches_close_after_5_s_unless_overridden():
    # On AWS the telemetry consumer waits up to 5 minutes; a developer should see it move.
    assert LocalSettings.from_env({}).batching_window_s == 5.0
    settings = LocalSettings.from_env(
        {"LOCAL_BATCHING_WINDOW_S": "0", "LOCAL_DELIVERY_RETRY_DELAY_S": "0.01"}
    )
    assert (settings.batching_window_s, settings.delivery_retry_delay_s) == (0.0, 0.01)


def test_platform_hands_its_settings_to_delivery():
    settings = LocalSettings(
        region="eu-west-1",
        account_id="111122223333",
        batching_window_s=0.1,
        delivery_retry_delay_s=0.02,
    )
    config = LocalPlatform(settings).delivery.config
    assert (config.region, config.account_id) == ("eu-west-1", "111122223333")
    assert (config.batching_window_s, config.retry_delay_s) == (0.1, 0.02)
