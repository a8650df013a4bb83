"""Renderers: Markdown in the reference format (more to come: HTML site, Atom, JSON)."""
