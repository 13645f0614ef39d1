"""Helper API for investigators' and model teams' notebooks (``notebooks/``).

Each notebook cell is one call on :class:`Investigation`; all Cypher is in
:class:`fraudgraph.graph.queries.ExploreQueries`.
"""

from fraudgraph.explore.investigation import Investigation

__all__ = ["Investigation"]
