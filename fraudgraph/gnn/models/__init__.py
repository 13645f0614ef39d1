"""Node-scoring models: heterophily-aware GNNs, a trees baseline and an unsupervised scorer."""
