"""Digit Playground's engine: data, models, training and maths.

Nothing in this package imports Qt, so it runs and is tested without a display.
"""
