"""Infrastructure of the platform.

`infra.catalog` is plain data (no CDK import) shared by the CDK stack and the local platform;
the CDK constructs live in the other modules and are only imported by `app.py` and the
infrastructure tests.
"""
