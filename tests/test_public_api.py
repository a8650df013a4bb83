from __future__ import annotations

import subprocess
import sys

import paperdigest


def test_exported_names_resolve_and_are_sorted() -> None:
    assert paperdigest.__all__ == sorted(paperdigest.__all__)
    for name in paperdigest.__all__:
        assert getattr(paperdigest, name) is not None, name


def test_import_is_cheap() -> None:
    code = "import sys, paperdigest; print('pydantic' in sys.modules, 'openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_cli_help_does_not_import_backends_or_pdf() -> None:
    code = ("import sys; from paperdigest.cli import cli; "
            "print(sorted(m for m in ('openai', 'pymupdf', 'fastapi', 'llama_cpp') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
