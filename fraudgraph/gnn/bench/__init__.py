"""`fraudgraph bench gnn`: GNN vs trees vs their blend on the public fraud graphs."""
