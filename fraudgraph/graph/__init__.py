"""Neo4j: the local server, the schema, all Cypher, repositories and the export to PyG."""
