"""paperdigest: daily research-paper digests in your own language, checked against the papers."""

__version__ = "0.1.0"

__all__ = ["__version__"]
