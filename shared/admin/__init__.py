"""Operator-side administration and reports: chargers, id tags, sessions and energy.

Not on the WebSocket path. The services read and write through the same ports as the charger
path; `errors` names why an operator request cannot be served (the HTTP layer maps each kind).
"""
