"""Fine-tuning helpers for the trainlog examples: tiny model, synthetic data, loaders, rewards."""
