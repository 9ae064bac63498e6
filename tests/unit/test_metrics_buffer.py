import json

from shared import observability


def lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_counts_are_summed_per_series_and_written_once_per_interval(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("METRICS_FLUSH_INTERVAL_S", "3600")
    observability.flush_metrics()
    capsys.readouterr()
    for _ in range(5):
        observability.count_metric("OcppMessages", {"Action": "Heartbeat"})
    observability.count_metric("OcppMessages", {"Action": "BootNotification"})
    observability.emit_metric("EnergyDeliveredWh", 1200, {})
    observability.emit_metric("EnergyDeliveredWh", 300, {})
    assert lines(capsys) == []  # buffered, nothing written per message
    observability.flush_metrics()
    written = {
        (e["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], e.get("Action")): e[
            e["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]
        ]
        for e in lines(capsys)
    }
    assert written == {
        ("OcppMessages", "Heartbeat"): [5.0],
        ("OcppMessages", "BootNotification"): [1.0],
        ("EnergyDeliveredWh", None): [1500.0],
    }


def test_interval_zero_writes_at_once(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("METRICS_FLUSH_INTERVAL_S", "0")
    observability.flush_metrics()
    capsys.readouterr()
    observability.count_metric("CommandTimeouts", {"Action": "Reset"})
    assert len(lines(capsys)) == 1


def test_disabled_metrics_write_nothing(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("METRICS_FLUSH_INTERVAL_S", "0")
    observability.count_metric("OcppMessages", {"Action": "Heartbeat"})
    assert lines(capsys) == []
