"""fraudgraph: knowledge-graph anti-fraud analytics for banks.

Pipeline stages live in their own subpackages: ``synth`` (a synthetic bank world with ground
truth), ``nlp`` (entity extraction and resolution), ``graph`` (Neo4j), ``gnn`` (graph neural
network scoring), ``rings`` (fraud-ring detection and review) and ``service`` (the gRPC API).
"""

__version__ = "0.1.0"
