"""Loading records into the graph: batched, idempotent, resumable, with a rejects file."""
