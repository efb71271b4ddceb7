"""Data: where prepared competitions live, preparation, synthetic data."""
