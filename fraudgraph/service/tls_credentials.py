"""Server TLS and mutual TLS from settings."""

from __future__ import annotations

from pathlib import Path

import grpc

from fraudgraph.errors import ConfigurationError


class TlsCredentials:
    """Reads certificate files and builds gRPC server credentials."""

    @staticmethod
    def server(
        cert: Path | None, key: Path | None, client_ca: Path | None
    ) -> grpc.ServerCredentials | None:
        """Credentials for TLS (mutual when ``client_ca`` is set); None for plaintext."""
        if cert is None and key is None:
            if client_ca is not None:
                raise ConfigurationError("service_tls_client_ca needs service_tls_cert and _key")
            return None
        if cert is None or key is None:
            raise ConfigurationError("service_tls_cert and service_tls_key go together")
        try:
            pair = (key.read_bytes(), cert.read_bytes())
            ca = client_ca.read_bytes() if client_ca is not None else None
        except OSError as exc:
            raise ConfigurationError(f"cannot read TLS files: {exc}") from exc
        return grpc.ssl_server_credentials([pair], root_certificates=ca,
                                           require_client_auth=ca is not None)  # fmt: skip
