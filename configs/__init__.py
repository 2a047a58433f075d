"""spaCy configs of the IMR pipelines, read with `importlib.resources`."""
