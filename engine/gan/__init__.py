"""Generative adversarial networks that learn to write digits."""
