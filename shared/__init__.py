"""The platform's Lambda package: protocol, domain logic, ports and adapters."""
