"""Operator-side queries and administration: charger registry, id tags, sessions, energy.

Not on the WebSocket path. Each block talks to small ports of its own (`ports.py`), with
DynamoDB adapters (`dynamodb.py`, `connections.py`) and in-memory fakes (`memory.py`).
"""
