"""Seeing annotations: one letter in displaCy (`imr render`), a corpus report (`imr report`)."""
