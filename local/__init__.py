"""The local platform: the Lambda handlers behind an API Gateway stand-in, with embedded moto."""
