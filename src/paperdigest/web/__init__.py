"""The read-only web server (``paperdigest serve``): pages, JSON API, search, OpenAPI docs."""

from .app import create_app

__all__ = ["create_app"]
