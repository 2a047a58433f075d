"""Training data for spaCy models: silver and gold DocBins (`imr make-corpus`)."""
