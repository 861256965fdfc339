"""Files shipped with Digit Playground: the trained classifier checkpoint."""
