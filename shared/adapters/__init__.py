"""Implementations of `shared.ports`, one place per external system: `dynamodb/` (one module
per table), `kinesis`, `eventbridge`, `apigateway` (@connections), `stepfunctions`, and the
client factory they share (`aws_clients`, the only importer of boto3). `memory/` holds the
in-memory fakes (tests, benchmarks, the local memory store; not shipped)."""
