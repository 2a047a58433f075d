"""Scoring against gold letters (`imr evaluate`), gold DocBins, and pipeline comparison (`imr compare`)."""
