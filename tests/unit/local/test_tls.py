"""local/tls.py: a local CA kept between starts, a fresh server certificate for the gateway's
names, and contexts that verify each other; LOCAL_TLS turns it on."""

from __future__ import annotations

import asyncio

from cryptography import x509

from local.settings import LocalSettings
from local.tls import ensure_tls


def test_the_ca_is_kept_and_the_server_certificate_names_the_hosts(tmp_path):
    first = ensure_tls(tmp_path, ("csms.test",))
    ca_before = first.ca_file.read_bytes()
    server_before = first.cert_file.read_bytes()
    second = ensure_tls(tmp_path, ("csms.test",))
    assert second.ca_file.read_bytes() == ca_before
    assert second.cert_file.read_bytes() != server_before
    cert = x509.load_pem_x509_certificate(second.cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "csms.test"} <= set(names.get_values_for_type(x509.DNSName))
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0
    assert second.key_file.stat().st_mode & 0o077 == 0


def test_a_client_trusting_the_ca_completes_a_handshake(tmp_path):
    tls = ensure_tls(tmp_path)

    async def handshake() -> str:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"ok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls.server_context())
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=tls.client_context(), server_hostname="localhost"
            )
            data = await reader.read()
            writer.close()
            return data.decode()

    assert asyncio.run(handshake()) == "ok"


def test_local_tls_from_the_environment():
    assert not LocalSettings.from_env({}).tls
    settings = LocalSettings.from_env({"LOCAL_TLS": "1", "LOCAL_TLS_PORT": "9443"})
    assert settings.tls and settings.tls_port == 9443
