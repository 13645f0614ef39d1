"""The fraud-ops review console: a small web page over the rings' review workflow.

``fraudgraph console`` serves a queue of rings, a page per ring with its graph drawn, and the
review actions of ``fraudgraph rings review`` / the gRPC ``ReviewRing``, behind the same bearer
tokens and scopes, writing to the same append-only audit trail.
"""
