"""imr: spaCy components for California workers' compensation Independent Medical Review letters.

`imr.load()` builds the bundled rule pipeline; `imr.load(name_or_path)` loads a
saved or installed pipeline (e.g. "en_imr_pipeline" or "build/imr_pipeline").
"""
from pathlib import Path
from typing import Optional, Union

from .about import SCHEMA, __version__

__all__ = ["load", "SCHEMA", "__version__"]


def load(model: Optional[Union[str, Path]] = None):
    """Load a saved or installed IMR pipeline, or build the bundled rule pipeline when `model` is None."""
    import spacy
    from spacy.util import load_model_from_config
    from thinc.api import Config

    from . import components  # noqa: F401  (registers factories without entry points)
    from .resources import config_text

    if model is not None:
        return spacy.load(model)
    config = Config().from_str(config_text("imr.cfg"))
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    return nlp
