"""OCPP-J: framing, schema validation, error mapping and routing for OCPP 1.6 and 2.0.1."""
