"""Renderers: Markdown in the reference format (markdown.py) and its parser (markdown_parse.py),
the HTML pages (pages.py, html.py for the static site), Atom feeds (atom.py) and JSON per day
(json_day.py)."""
