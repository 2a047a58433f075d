"""IMR letter pipeline: spaCy components for California Independent Medical Review letters."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

__version__ = "0.1.0"
SCHEMA = "imr/1"


def load(model: Optional[Union[str, Path]] = None):
    """Load a saved IMR pipeline, or build the bundled rule pipeline when `model` is None."""
    import spacy
    from spacy.util import load_config, load_model_from_config

    from . import components  # noqa: F401  (registers factories without entry points)
    from .resources import config_path

    if model is not None:
        return spacy.load(model)
    config = load_config(config_path("imr.cfg"))
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    return nlp
