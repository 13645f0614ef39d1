"""gRPC core's experiment switches, handed to the server processes at their start.

gRPC core reads its ``GRPC_EXPERIMENTS`` environment variable once, when its library
initialises (on ``import grpc``); set later in a running process it is ignored. So the
setting ``service_grpc_experiments`` is exported to the environment of processes started
afterwards (the spawned server workers), or of this process when gRPC is not loaded yet.

Why at all: with grpcio 1.85, turning off ``event_engine_listener`` (gRPC then accepts
connections with its older iomgr TCP server, as releases before the EventEngine did) cut a
server's CPU per streamed message from 412-483 us to 320-356 us on this 2-core machine
(echo handler, 1,000 messages/s over 8 streams; see the service README).
"""

from __future__ import annotations

import os
import sys
from typing import Final

ENV_VAR: Final = "GRPC_EXPERIMENTS"
#: The module whose import initialises gRPC core (and reads its experiments).
_CORE_MODULE: Final = "grpc._cython.cygrpc"


class GrpcExperiments:
    """Exports gRPC core experiment switches (``-name`` off, ``name`` on, comma-separated)."""

    @staticmethod
    def export(value: str) -> bool:
        """Put ``value`` in the environment for processes started from now on.

        An empty value leaves the environment as it is (gRPC's defaults, or a
        ``GRPC_EXPERIMENTS`` the operator set). Returns True when this process's gRPC core will
        read it too (not loaded yet), False when only child processes will.
        """
        if value:
            os.environ[ENV_VAR] = value
        return not GrpcExperiments.core_loaded()

    @staticmethod
    def core_loaded() -> bool:
        """True once gRPC core is initialised in this process (its experiments are fixed)."""
        return _CORE_MODULE in sys.modules
