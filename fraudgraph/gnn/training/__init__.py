"""Training loop, evaluation metrics and distributed training for the GNN stage."""
