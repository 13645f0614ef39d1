"""Graph neural network scoring: datasets, models, training, inference and the model registry."""
