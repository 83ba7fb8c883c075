"""reconcile: make GitHub deployment environments match a reviewed YAML file."""

__version__ = "0.1.0"
