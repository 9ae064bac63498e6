"""Charger access: who may open a WebSocket (identity, registration policy, HTTP Basic auth)
and how charger passwords are stored. Operator access lives with the operator API."""
