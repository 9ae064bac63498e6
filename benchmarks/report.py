"""BENCHMARKS.md from benchmarks/results/latest.json."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from benchmarks.cost_levers import ALL_PLATFORM_LEVERS
from benchmarks.cost_model import SERVICES


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _usd(value: float) -> str:
    return f"{value:.4f}"


def _usd6(value: float) -> str:
    """Amounts per session or per driver: fractions of a cent."""
    return f"{value:.6f}"


def _stamp(section: Mapping[str, Any], results: Mapping[str, Any]) -> str:
    return f"_Measured {section.get('measured_at', results['date'])} on {results['machine']}._"


def _costs(results: Mapping[str, Any]) -> list[str]:
    cost = results["cost_model"]
    profiles: Mapping[str, Any] = cost["profiles"]
    lines = [
        "## Cost per charger-month (list prices)",
        "",
        _stamp(cost, results) + f" Prices: {cost['region']}, read {cost['prices_read_on']}; "
        f"{cost['chargers']:,} chargers; OCPP 1.6; see docs/cost-model.md.",
        "",
    ]
    header = ["Service", *profiles]
    rows: list[list[object]] = [
        [service, *(_usd(p["usd_by_service"].get(service, 0.0)) for p in profiles.values())]
        for service in SERVICES
    ]
    rows.append(["**Total**", *(f"**{_usd(p['usd_total'])}**" for p in profiles.values())])
    rows.append(
        ["API Gateway floor", *(_usd(p["api_gateway_floor_usd"]) for p in profiles.values())]
    )
    rows.append(
        [
            "Target",
            *("-" if p["target_usd"] is None else _usd(p["target_usd"]) for p in profiles.values()),
        ]
    )
    rows.append(
        [
            "Target met",
            *(
                "-" if p["meets_target"] is None else ("yes" if p["meets_target"] else "**no**")
                for p in profiles.values()
            ),
        ]
    )
    rows.append(
        [
            "Goal (the target with margin)",
            *("-" if p.get("goal_usd") is None else _usd(p["goal_usd"]) for p in profiles.values()),
        ]
    )
    rows.append(
        [
            "Margin left to the target",
            *(
                "-" if p["target_usd"] is None else _usd(p["target_usd"] - p["usd_total"])
                for p in profiles.values()
            ),
        ]
    )
    rows.append(
        [
            f"vs AWS OCPP gateway sample (${cost['sample_usd_per_charger_month']:.2f})",
            *(f"{p['share_of_sample']:.0%}" for p in profiles.values()),
        ]
    )
    rows.append(
        [
            f"With {ALL_PLATFORM_LEVERS.lower()}",
            *(
                _usd(p["usd_total"] - p["lever_savings_usd"][ALL_PLATFORM_LEVERS])
                for p in profiles.values()
            ),
        ]
    )
    lines += _table(header, rows)
    lines += _binding(profiles)
    lines += ["", "Monthly volumes per charger:", ""]
    volume_rows = [
        [
            "WebSocket messages",
            *(f"{p['volumes']['websocket_messages']:,}" for p in profiles.values()),
        ],
        [
            "HTTP API requests (operator commands)",
            *(f"{p['volumes'].get('http_api_requests', 0):,.0f}" for p in profiles.values()),
        ],
        [
            "Lambda invocations",
            *(
                f"{sum(p['volumes']['lambda_invocations'].values()):,.0f}"
                for p in profiles.values()
            ),
        ],
        [
            "DynamoDB WRU / RRU",
            *(
                f"{p['volumes']['dynamodb_write_units']:,.0f} / "
                f"{p['volumes']['dynamodb_read_units']:,.0f}"
                for p in profiles.values()
            ),
        ],
        [
            "EventBridge events",
            *(f"{p['volumes']['eventbridge_events']:,.0f}" for p in profiles.values()),
        ],
        [
            "Log bytes",
            *(f"{p['volumes']['log_bytes'] / 1e6:.1f} MB" for p in profiles.values()),
        ],
        ["X-Ray traces", *(f"{p['volumes']['xray_traces']:,.0f}" for p in profiles.values())],
        [
            "Session workflow executions (Express)",
            *(f"{p['volumes']['workflow_executions']:,.0f}" for p in profiles.values()),
        ],
    ]
    lines += _table(["Volume", *profiles], volume_rows)
    lines += ["", "Savings per charger-month, each lever alone:", ""]
    levers = next(iter(profiles.values()))["lever_savings_usd"]
    lever_rows = [
        [name, *(_usd(p["lever_savings_usd"][name]) for p in profiles.values())] for name in levers
    ]
    lines += _table(["Lever", *profiles], lever_rows)
    alternatives = next(iter(profiles.values())).get("alternative_costs_usd", {})
    if alternatives:
        lines += ["", "What the designs not taken (and the opt-ins left off) would add:", ""]
        rows = [
            [name, *("+" + _usd(p["alternative_costs_usd"][name]) for p in profiles.values())]
            for name in alternatives
        ]
        lines += _table(["Alternative", *profiles], rows)
    lines += _ledger(profiles)
    lines += _sensitivity(profiles)
    lines += _cost_profiles(profiles)
    lines += _drivers(cost)
    fixed = cost["fixed_monthly_usd"]
    lines += [
        "",
        f"Fixed monthly cost of the stack: **${cost['fixed_monthly_total_usd']:.2f}** "
        f"(alarms {cost['stack']['alarms_source']}; stack facts from {cost['stack']['source']}):",
        "",
    ]
    lines += _table(["Item", "$ / month"], [[k, f"{v:.2f}"] for k, v in fixed.items()])
    return lines


def _ledger(profiles: Mapping[str, Any]) -> list[str]:
    """Today's measurements with the levers undone, then each lever in the order it landed."""
    first = next(iter(profiles.values())).get("lever_ledger_usd")
    if not first:
        return []
    lines = [
        "",
        "What the levers saved, one after the other (today's measurements with each lever's "
        "former behaviour rebuilt; the last line is today's total; saving in brackets):",
        "",
    ]
    rows = []
    for i, (name, _) in enumerate(first):
        cells = []
        for p in profiles.values():
            usd = p["lever_ledger_usd"][i][1]
            saved = p["lever_ledger_usd"][i - 1][1] - usd if i else None
            cells.append(_usd(usd) + ("" if saved is None else f" (-{_usd(saved)})"))
        rows.append([name, *cells])
    return lines + _table(["Step", *profiles], rows)


def _sensitivity(profiles: Mapping[str, Any]) -> list[str]:
    """What twice as much of each driver costs, and how much of it alone doubles the bill."""
    first = next(iter(profiles.values())).get("sensitivity")
    if not first:
        return []
    lines = [
        "",
        "Sensitivity: the total with twice as much of one driver (its increase), and how many "
        "times as much of it alone doubles the bill:",
        "",
    ]
    rows = []
    for name in first:
        cells = []
        for p in profiles.values():
            driver = p["sensitivity"][name]
            rise = driver["doubled_usd"] / p["usd_total"] - 1
            at = driver["doubles_bill_at"]
            cells.append(
                f"{_usd(driver['doubled_usd'])} (+{rise:.0%}); "
                + ("not doubled at x100" if at is None else f"doubles at x{at:.1f}")
            )
        rows.append([f"{name} x2", *cells])
    return lines + _table(["Driver", *profiles], rows)


def _cost_profiles(profiles: Mapping[str, Any]) -> list[str]:
    """Each cost profile applied to the chargers of each reference profile."""
    first = next(iter(profiles.values())).get("cost_profiles_usd")
    if not first:
        return []
    lines = [
        "",
        "Cost profiles: $ per charger-month (docs/cost-profiles.md), the chargers of each "
        "reference profile set to each profile; in brackets the difference from the profile "
        "as modelled above:",
        "",
    ]
    rows = [["as modelled", *(_usd(p["usd_total"]) for p in profiles.values())]]
    for name in first:
        cells = []
        for p in profiles.values():
            applied = p["cost_profiles_usd"][name]
            cells.append(f"{_usd(applied['usd_total'])} ({applied['difference_usd']:+.4f})")
        rows.append(
            [f"{name} (meter values every {first[name]['meter_interval_s']:.0f} s)", *cells]
        )
    return lines + _table(["Cost profile", *profiles], rows)


def _drivers(cost: Mapping[str, Any]) -> list[str]:
    """What an app-started session adds to its charger's month, and a driver's own month."""
    profiles: Mapping[str, Any] = cost["profiles"]
    if not all("app_session" in p for p in profiles.values()) or "driver_month" not in cost:
        return []
    sessions = {name: p["app_session"] for name, p in profiles.items()}
    lines = [
        "",
        "One app-started session, from measured steps (the platform's part is in the "
        "per-charger totals above, the app's requests in the driver-month below):",
        "",
    ]
    rows: list[list[object]] = [
        ["AWS calls", *(f"{a['aws_calls']:.1f}" for a in sessions.values())],
        ["  by service", *(
            ", ".join(f"{k} {v:g}" for k, v in a["aws_calls_by_service"].items() if k != "stripe")
            for a in sessions.values()
        )],
        ["Stripe requests", *(f"{a['stripe_requests']:g}" for a in sessions.values())],
        ["Step Functions requests (Express)", *(str(a["stepfunctions_requests"])
                                                for a in sessions.values())],
        ["Cost checks by the sweep", *(str(a["cost_checks"]) for a in sessions.values())],
        ["Platform (workflows, sweep, remote start)",
         *(_usd6(a["usd_platform"]) for a in sessions.values())],
        ["The app's requests for it", *(_usd6(a["usd_app_requests"]) for a in sessions.values())],
        ["**Session total**", *(f"**{_usd6(a['usd_total'])}**" for a in sessions.values())],
    ]  # fmt: skip
    lines += _table(["Per app session", *sessions], rows)
    driver = cost["driver_month"]
    lines += [
        "",
        f"Per driver-month, apart from the chargers ({driver['driver']}: "
        f"{driver['app_sessions']:g} app sessions, {driver['http_requests']:,.0f} driver API "
        "requests):",
        "",
    ]
    items = [[k, _usd6(v)] for k, v in driver["usd_by_item"].items()]
    items.append(["**Total**", f"**{_usd6(driver['usd_total'])}**"])
    lines += _table(["Item", "$ / driver-month"], items)
    return lines


def _binding(profiles: Mapping[str, Any]) -> list[str]:
    """For each missed target: by how much, the largest items besides API Gateway, the levers."""
    lines: list[str] = []
    for name, p in profiles.items():
        if p["meets_target"] is not False:
            continue
        others = sorted(
            ((s, v) for s, v in p["usd_by_service"].items() if s != "API Gateway"),
            key=lambda item: -item[1],
        )[:3]
        levers = sorted(
            ((k, v) for k, v in p["lever_savings_usd"].items() if k != ALL_PLATFORM_LEVERS),
            key=lambda item: -item[1],
        )[:3]
        with_levers = p["usd_total"] - p["lever_savings_usd"][ALL_PLATFORM_LEVERS]
        missed_by = p["usd_total"] - p["target_usd"]
        lines.append(
            f"- **{name}** misses ${p['target_usd']:.3f} by ${missed_by:.4f}. "
            f"Besides the API Gateway floor (${p['api_gateway_floor_usd']:.4f}) the largest "
            "items are " + ", ".join(f"{s} ${v:.4f}" for s, v in others) + "; the biggest "
            "levers: " + "; ".join(f"{k} (-${v:.4f})" for k, v in levers) + ". The platform "
            f"levers together bring it to ${with_levers:.4f} "
            f"({'within' if with_levers <= p['target_usd'] else 'still above'} the target)."
        )
    return ["", *lines] if lines else []


def _aws_calls(results: Mapping[str, Any]) -> list[str]:
    calls = results["aws_calls"]
    lines = [
        "",
        "## AWS calls per invocation (real handlers against moto)",
        "",
        _stamp(calls, results)
        + " DynamoDB units are computed from item sizes (1 WRU per started KB of the larger "
        "image, x2 in transactions; 1 RRU per 4 KB strongly consistent, 0.5 eventually): "
        "moto's ConsumedCapacity is a fixed number whatever the item. Index WRU: writes to "
        "the ByIdTag index, sized by its projection in infra/catalog.py. Log: bytes/lines "
        "the handler wrote.",
        "",
    ]
    rows = []
    for name, row in calls["steps"].items():
        capacity = row["capacity"]
        detail = ", ".join(f"{op} {n}" for op, n in row["calls"].items()) or "none"
        rows.append(
            [
                name,
                row["function"],
                row["total"],
                detail,
                f"{capacity['rru']:g}",
                f"{capacity['wru']:g}",
                f"{capacity['index_wru']:g}",
                row["events"],
                row["kinesis_payload_units"],
                f"{row['log_bytes']} / {row['log_lines']}",
            ]
        )
    lines += _table(
        [
            "Step",
            "Function",
            "Calls",
            "By operation",
            "RRU",
            "WRU",
            "Index WRU",
            "Events",
            "Kinesis units",
            "Log B / lines",
        ],
        rows,
        "llrlrrrrrr",
    )
    return lines


CPU_TARGET_RATIO = 0.2


def _or_dash(value: object) -> object:
    return "-" if value is None else value


def _cpu(results: Mapping[str, Any]) -> list[str]:
    cpu = results["cpu"]
    lines = [
        "",
        "## CPU per message (route function, in-memory adapters)",
        "",
        _stamp(cpu, results)
        + " The ocpp package's path: unpack + validation of the CALL + CallResult + "
        "validation of the response, synchronously (its thread-pool hop excluded); for a "
        "command's CALLRESULT, unpack + validation against the command's response schema, "
        "while ours also completes the command (outcome stored, slot released, "
        "CommandCompleted published). Floor: the least any "
        "$default handler validating both ways does (frame read from the event, request and "
        "a fixed answer validated with the same compiled schemas, CALLRESULT written; no "
        "routing, logic, storage or clock).",
        "",
    ]
    messages = cpu["messages"]
    rows = [
        [
            name,
            row["platform"]["median_us"],
            row["platform"]["p95_us"],
            row["ocpp_package"]["median_us"],
            row["ratio_median"],
            _or_dash((row.get("floor") or {}).get("median_us")),
            _or_dash(row.get("floor_ratio")),
        ]
        for name, row in messages.items()
    ]
    lines += _table(
        [
            "Message",
            "median µs",
            "p95 µs",
            "ocpp package median µs",
            "ratio",
            "floor µs",
            "floor ratio",
        ],
        rows,
    )
    met = [name for name, row in messages.items() if row["ratio_median"] <= CPU_TARGET_RATIO]
    floors = {name: row["floor_ratio"] for name, row in messages.items() if row.get("floor_ratio")}
    lines += [
        "",
        f"Target (≤ {CPU_TARGET_RATIO:g}x the ocpp package's path): met for {len(met)} of "
        f"{len(messages)} ({', '.join(met) or 'none'}).",
    ]
    if floors:
        below = [name for name, ratio in floors.items() if ratio > CPU_TARGET_RATIO]
        lines[-1] += (
            f" What binds: the floor alone is {min(floors.values()):g}-{max(floors.values()):g}x"
            f" (above the target for {', '.join(below) or 'none'}), so the target leaves "
            "almost nothing for routing, the session logic and the adapters' calls; command "
            "replies do more than the package's path (the command is completed and published)."
            " What would move it: nothing in Python that keeps validating both ways; the gap "
            "to the floor is routing, context and the in-memory adapters' record copies "
            "standing in for DynamoDB."
        )
    lines += ["", "Other routes and command sends (no ocpp package equivalent):", ""]
    lines += _table(
        ["Route", "median µs", "p95 µs"],
        [[name, r["median_us"], r["p95_us"]] for name, r in cpu["routes"].items()],
    )
    return lines


def _medians(
    results: Mapping[str, Any], key: str, title: str, about: str, column: str, fmt: str
) -> list[str]:
    """A section of median µs per item (results[key]["median_us"])."""
    section = results[key]
    lines = ["", f"## {title}", "", _stamp(section, results) + " " + about, ""]
    rows = [[name, format(us, fmt)] for name, us in section["median_us"].items()]
    return lines + _table([column, "Median µs"], rows)


def _sdk_cpu(results: Mapping[str, Any]) -> list[str]:
    return _medians(
        results,
        "sdk_cpu",
        "AWS SDK CPU per call",
        "botocore building, signing and parsing one call, answered in-process "
        "(benchmarks/sdk_cpu.py). The cost model adds it to every invocation's CPU, per call, "
        "at the memory size's share of a vCPU.",
        "Call",
        ",.0f",
    )


def _runtime(results: Mapping[str, Any]) -> list[str]:
    return _medians(
        results,
        "runtime_overhead",
        "Lambda runtime CPU per invocation",
        "The Python runtime's loop around the handler, emulated "
        "(benchmarks/runtime_overhead.py): fetch the event from a loopback Runtime API, decode "
        "it, call a handler that returns at once, encode and post the result; the client's CPU. "
        "The cost model bills it with every invocation (and each Kinesis record's share with a "
        "consumer batch) at the memory size's share of a vCPU.",
        "Invocation",
        ",.1f",
    )


def _cold(results: Mapping[str, Any]) -> list[str]:
    cold = results["cold_start"]
    lines = [
        "",
        "## Cold start",
        "",
        _stamp(cold, results)
        + f" Fresh interpreter, median of {cold['runs']} (first run discarded); this "
        "machine's CPU, not Lambda's.",
        "",
    ]
    lines += _table(
        ["Function", "import median ms", "import max ms"],
        [[n, r["median_ms"], r["max_ms"]] for n, r in cold["import"].items()],
    )
    lines += [""]
    lines += _table(
        ["ws_default, fresh", "median ms", "max ms", "of which import ms", "boto3 imported"],
        [
            [n, r["median_ms"], r["max_ms"], r["import_median_ms"], r["boto3_imported"]]
            for n, r in cold["first_message"].items()
        ],
    )
    packages = cold["packages"]
    lines += ["", f"Package sizes (source: {packages['source']}):", ""]
    if "functions" in packages:
        lines += _table(
            ["Function", "code MB", "layer MB", "total MB", "zipped MB (code + layer)"],
            [
                [n, p["code_mb"], p["layer_mb"], p["total_mb"], p["total_zip_mb"]]
                for n, p in packages["functions"].items()
            ],
        )
    else:
        lines.append(packages.get("note", "not available"))
    return lines


def _console_bundle(results: Mapping[str, Any]) -> list[str]:
    bundle = results["console_bundle"]
    lines = ["", "## Operator console bundle", ""]
    if "note" in bundle:
        return [*lines, _stamp(bundle, results) + " " + bundle["note"]]
    verdict = "within" if bundle["within_budget"] else "OVER"
    lines += [
        _stamp(bundle, results)
        + f" First load (index.html, entry script, preloaded chunks, style sheets), gzip -9: "
        f"**{bundle['first_load_kb']} KB**, {verdict} the {bundle['budget_kb']:.0f} KB budget "
        f"(docs/adr/0033). Pages loaded on demand: {bundle['lazy_kb']} KB in "
        f"{bundle['lazy_files']} files.",
        "",
    ]
    lines += _table(["File", "gzipped KB"], bundle["first_load_files"].items())
    return lines


def _commands(results: Mapping[str, Any]) -> list[str]:
    section = results["command_round_trip"]
    calls = ", ".join(f"{op} {n}" for op, n in section["send_aws_calls"].items()) or "none"
    lines = [
        "",
        "## Command round trip (local gateway)",
        "",
        _stamp(section, results)
        + " The engine posts a CALL over @connections to a simulated charger, which answers; "
        "the answer comes back on $default and the waiting caller sees the outcome "
        "(`benchmarks/command_round_trip.py`, warm-up excluded).",
        "",
    ]
    lines += _table(
        ["Commands", "p50 ms", "p95 ms", "max ms", "AWS calls of the send"],
        [[section["commands"], section["p50_ms"], section["p95_ms"], section["max_ms"], calls]],
        "rrrrl",
    )
    return lines


def _allocator(results: Mapping[str, Any]) -> list[str]:
    section = results["smart_charging_allocator"]
    lines = [
        "",
        "## Site load allocation (CPU)",
        "",
        _stamp(section, results)
        + " One allocation of a site's current (docs/adr/0046): per-phase limits of the grid "
        "connection, boards and circuits, the stability filter and the decrease-first plan, "
        "CPU time of one thread (`benchmarks/smart_charging_allocator.py`).",
        "",
    ]
    lines += _table(
        ["EVSEs", "Circuits", "Allocations", "median ms", "p95 ms", "goal ms", "commands each"],
        [
            [
                section["evses"],
                section["circuits"],
                section["iterations"],
                section["median_ms"],
                section["p95_ms"],
                section["goal_ms"],
                section["commands_per_allocation"],
            ]
        ],
        "rrrrrrr",
    )
    return lines


def _smart_charging_latency(results: Mapping[str, Any]) -> list[str]:
    section = results["smart_charging_latency"]
    lines = [
        "",
        "## Session start to first charging profile",
        "",
        _stamp(section, results)
        + " From a simulated 2.0.1 charger's session start to the SetChargingProfile it "
        "receives, through the local platform (bus rule, site trigger, the FIFO queue's "
        f"{section['debounce_s']} s debounce, site allocator, command engine; "
        "`benchmarks/smart_charging_latency.py`, docs/adr/0051).",
        "",
    ]
    lines += _table(
        ["Sessions", "received", "p50 s", "p95 s", "max s", "goal p95 s"],
        [
            [
                section["sessions"],
                section["received"],
                section.get("p50_s", "-"),
                section.get("p95_s", "-"),
                section.get("max_s", "-"),
                section["goal_p95_s"],
            ]
        ],
        "rrrrrr",
    )
    return lines


def _site_simulation(results: Mapping[str, Any]) -> list[str]:
    section = results["smart_charging_site"]
    lines = [
        "",
        "## Site load management (simulated site-hours)",
        "",
        _stamp(section, results)
        + f" {section['site_hours']:,.0f} simulated site-hours of a 12-EVSE site under the "
        "load-management loop (docs/adr/0049): cars arrive and leave, charge with a car "
        "model, commands take time and are sometimes refused, chargers go offline, the "
        "grid's limit drops (announced); the physical per-phase draw through every node is "
        "checked at every instant (`benchmarks/smart_charging_site.py`). Goals: "
        f"{section['goal_violations']} violations, at most "
        f"{section['goal_changes_per_evse_hour']} limit changes per EVSE-hour in session under "
        "steady inputs (the steady profile; busy days are shown as they are). The cost "
        "counts the loop as built, at list prices: a trigger run (two reads, a write, an SQS "
        "send) per event that asks for an allocation, the FIFO message, one Lambda "
        "invocation, three reads and two writes per allocation, and one command round trip "
        "per profile.",
        "",
    ]
    rows = []
    for name, profile in section["profiles"].items():
        cost = profile["cost_per_charger_month"]
        rows.append(
            [
                name,
                f"{profile['site_hours']:,.0f}",
                profile["violations"],
                profile["oversubscribed"],
                profile["limit_changes_per_session_hour"],
                profile["commands_per_evse_day"],
                profile["allocations_per_site_hour"],
                profile["allocation_cpu_ms"],
                f"${cost['total_usd']:.4f}",
            ]
        )
    lines += _table(
        [
            "Profile",
            "Site-hours",
            "Violations",
            "Over-subscribed",
            "Changes / EVSE-hour in session",
            "Commands / EVSE-day",
            "Allocations / site-hour",
            "CPU ms each",
            "Added per charger-month",
        ],
        rows,
        "lrrrrrrrr",
    )
    return lines


def _campaign(results: Mapping[str, Any]) -> list[str]:
    section = results["firmware_campaign"]
    usd = section["per_1000_chargers_usd"]
    waves = "; ".join(
        f"wave {w['wave']}: " + ", ".join(f"{n} {state}" for state, n in w["states"].items())
        for w in section["waves"]
    )
    lines = [
        "",
        "## Firmware campaign (local platform)",
        "",
        _stamp(section, results)
        + f" A campaign of waves {' / '.join(f'{w} %' for w in section['waves_pct'])} over "
        f"{section['chargers']:,} simulated OCPP 2.0.1 stations, {section['concurrency']} at "
        "once, run by the FirmwareCampaign Standard execution in moto (the platform as its "
        "own process, tables in memory); the stations really "
        "download the uploaded image through /files/<token>, report each step, reboot and "
        "boot with the new version (`benchmarks/firmware_campaign.py`). Transitions are the "
        "execution history's state entries, what Standard bills; the cost is per 1,000 "
        "chargers, once per campaign (nothing per charger-month).",
        "",
    ]
    lines += _table(
        [
            "Chargers",
            "Updated",
            "Campaign s",
            "Transitions",
            "per charger",
            "Lambda tasks",
            "Reports per charger",
        ],
        [
            [
                f"{section['chargers']:,}",
                f"{section['updated']:,}",
                section["elapsed_s"],
                f"{section['transitions']:,}",
                section["transitions_per_charger"],
                f"{section['lambda_tasks']:,}",
                section["reports_per_charger"],
            ]
        ],
        "rrrrrrr",
    )
    lines += [
        "",
        f"Outcome: {section['status']} ({waves}).",
        "",
    ]
    lines += _table(
        ["Per 1,000 chargers", "USD"],
        [
            ["Step Functions transitions", _usd6(usd["step_functions"])],
            ["Lambda (tasks and reports)", _usd6(usd["lambda"])],
            ["EventBridge events (reports, boots)", _usd6(usd["eventbridge"])],
            ["Total, without the image's transfer", _usd6(usd["total_without_transfer"])],
            ["Image transfer out, per MB of image", _usd6(usd["image_transfer_per_mb"])],
        ],
        "lr",
    )
    return lines


def _load(results: Mapping[str, Any]) -> list[str]:
    load = results["local_load"]
    config = load["config"]
    lines = [
        "",
        "## Local load (simulator -> local platform)",
        "",
        _stamp(load, results) + " Platform: `python -m local` in its own process, the simulated "
        "fleet in another; chargers connect "
        f"{config['ramp_chargers_per_s']:g} per second, heartbeat every "
        f"{config['heartbeat_interval_s']:g} s and charge in sessions of "
        f"{config['session_s']:g} s ({config['sessions_per_hour']:g}/h per charger, half "
        f"with Authorize) with meter values every {config['meter_interval_s']:g} s: about ten "
        "times the messages of a DC fast fleet, sessions far more often. Round trips are "
        f"measured for {config['measure_s']:g} s once the fleet is connected and "
        f"{config['settle_s']:g} s more have passed; errors over the whole run, wind-down "
        "included. Store: where the handlers keep their tables (`--store memory` for load "
        "runs; moto is `make run`'s default).",
        "",
    ]
    rows = []
    for run in load["runs"]:
        rt = run["round_trip_ms"]
        rows.append(
            [
                f"{run['chargers']:,}",
                run["store"],
                run["messages_per_s"],
                _ms(rt["p50"]),
                _ms(rt["p95"]),
                _ms(rt["p99"]),
                run["errors"],
                ", ".join(f"{k} {v}" for k, v in run["error_kinds"].items()) or "-",
                run["platform_peak_rss_mb"],
                run["platform_cpu_per_s"],
            ]
        )
    lines += _table(
        [
            "Chargers",
            "store",
            "msg/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "error kinds",
            "platform peak RSS MB",
            "platform CPU s/s",
        ],
        rows,
    )
    target = load["target"]
    verdicts = [
        f"{'met' if met else '**missed**'} with `--store {store}`"
        for store, met in target["met"].items()
        if met is not None
    ]
    if verdicts:
        lines += [
            "",
            f"Target ({target['chargers']:,} chargers, 0 errors, p95 < "
            f"{target['p95_ms_below']:g} ms): {'; '.join(verdicts)}.",
            "",
            LOCAL_LOAD_NOTES,
        ]
    return lines


LOCAL_LOAD_NOTES = (
    "What bound the local platform before, and what changed (docs/adr/0004-local-platform.md): "
    "the handlers' AWS calls went to moto over HTTP (a socket and a server thread per call) "
    "and moto's request dispatcher lists its own package directory on every request "
    "(~180 stat() calls, each giving up the interpreter lock): under load a PutEvents waited "
    "up to a second for the lock to come back. Calls now reach moto in-process and the "
    "dispatcher remembers which service answers a host; and a burst of cold invocations no "
    "longer builds one boto3 client each (~100 ms of model loading apiece, which ran "
    "`$connect` past its timeout). With moto every DynamoDB request still costs 1.5-3 ms of "
    "CPU under the one interpreter lock the gateway and handlers share: that is what is left "
    "in moto's p95 and what caps a larger fleet. `--store memory` keeps the tables in the "
    "platform's memory (the in-memory adapters the unit tests use, one lock; Kinesis, "
    "EventBridge and the consumers stay on moto) for larger fleets."
)


def markdown(results: Mapping[str, Any], data_label: str = "benchmarks/results/latest.json") -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` on {results['date']} ({results['machine']}); "
        f"{'quick smoke run, tiny sizes' if results.get('quick') else 'full run'} in "
        f"{results['elapsed_s']:.0f} s. Machine-readable: {data_label}. The repository's "
        "BENCHMARKS.md changes only with `make bench ARGS=--publish`; `make bench` alone "
        "writes benchmarks/results/last-run/.",
        "",
    ]
    for section, render in (
        ("cost_model", _costs),
        ("aws_calls", _aws_calls),
        ("cpu", _cpu),
        ("sdk_cpu", _sdk_cpu),
        ("runtime_overhead", _runtime),
        ("cold_start", _cold),
        ("console_bundle", _console_bundle),
        ("command_round_trip", _commands),
        ("local_load", _load),
        ("smart_charging_allocator", _allocator),
        ("smart_charging_site", _site_simulation),
        ("smart_charging_latency", _smart_charging_latency),
        ("firmware_campaign", _campaign),
    ):
        if section in results:
            lines += render(results)
    return "\n".join(lines) + "\n"
