"""Package identity: one version for the library, the CLI and the packaged pipeline."""

__title__ = "imr-pipeline"
__version__ = "0.2.0"
SCHEMA = "imr/1"
