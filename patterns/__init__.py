"""Rule files of the IMR components (JSONL, one rule per line), read with `importlib.resources`."""
