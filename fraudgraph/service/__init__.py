"""The real-time gRPC service."""
