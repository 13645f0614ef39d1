"""Graph datasets for the GNN stage: public benchmarks and any graph exported to PyG."""
