"""In-memory adapters: real fakes of every port, with DynamoDB's conditional semantics and
cursor format. Unit tests, the CPU benchmark and the local platform's memory store use them;
they are not shipped to Lambda (infra/bundling.py leaves this folder out).
"""
