"""Waiting for an event with a time limit, in a way that can always be cancelled."""

from __future__ import annotations

import asyncio


async def set_within(event: asyncio.Event | None, seconds: float) -> bool:
    """Wait up to `seconds` for `event`; True as soon as it is set (None: just sleep).

    asyncio.timeout rather than asyncio.wait_for: on Python 3.11 wait_for can drop a
    cancellation that arrives as its wait ends, and a cancelled task then carries on.
    """
    if event is None:
        await asyncio.sleep(seconds)
        return False
    try:
        async with asyncio.timeout(max(seconds, 0)):
            await event.wait()
    except TimeoutError:
        return False
    return True
