"""The code every Lambda function ships with. Imports point down this list, never up
(checked by `make lint`, pyproject.toml [tool.importlinter]):

  api/          the operator HTTP API (Powertools resolver, pydantic bodies, OpenAPI)
  gateway/      API Gateway: reading its events; the WebSocket routes ($connect, $default, ...)
  bootstrap.py  the composition root: one adapter per port, every service built once
  adapters/     ports implemented: dynamodb/ (one module per table), kinesis, eventbridge,
                apigateway (@connections), stepfunctions; memory/ fakes (not shipped)
  admin/        operator administration and reports: chargers, id tags, sessions, energy
  commands/     CSMS-initiated calls: engine, reservations, local lists
  telemetry/    stream and event consumers: live session energy, daily roll-up
  station/      the OCPP Core block: boot, heartbeat, status, connections, reports, DataTransfer
  transactions/ authorization, sessions (1.6 and 2.0.1 on one model), meter values
  pricing/      what a session costs under a tariff (a pure function)
  access/       who may connect: charger identity, registration policy, passwords
  ports/        every interface the domain talks to, one per table or external system
  models/       stored records and domain events (plain dataclasses; the pydantic catalogue)
  ocpp/         OCPP-J: framing, schema validation, errors, the router
  config.py, observability.py, timeutil.py: settings, logs and metrics, time

Domain packages (admin ... access, pricing) take plain values and talk to ports only; boto3 is
imported in adapters/aws_clients.py alone.
"""
