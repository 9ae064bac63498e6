"""The local stand-in for Cognito: a development identity provider and the gateway's JWT
authorizer (docs/adr/0023-driver-identity.md)."""
