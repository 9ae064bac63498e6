"""Grid signals (issue #18): the limits, prices and carbon intensities a site's allocation
follows, from an operator's schedule, an OpenADR 3 VTN or a day-ahead price feed
(docs/adr/0050-grid-signals.md). Pure: the sources' adapters are in shared/adapters/."""

from shared.grid_signals.resolver import (
    CONNECTION,
    DEFAULT_LOOK_AHEAD,
    GridLimit,
    LimitAt,
    Step,
    limit_at,
    resolve_limit,
    signal_amps,
    step_series,
)
from shared.grid_signals.schedule import (
    DatedException,
    OperatorSchedule,
    ScheduleError,
    Window,
)
from shared.ports.grid_signals import GridSignal, SignalError, SignalKind

__all__ = [
    "CONNECTION",
    "DEFAULT_LOOK_AHEAD",
    "DatedException",
    "GridLimit",
    "GridSignal",
    "LimitAt",
    "OperatorSchedule",
    "ScheduleError",
    "SignalError",
    "SignalKind",
    "Step",
    "Window",
    "limit_at",
    "resolve_limit",
    "signal_amps",
    "step_series",
]
