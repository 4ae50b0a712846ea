"""Reading generated PDFs in tests: ``pdftotext`` (Debian's poppler-utils) when it is installed."""

from __future__ import annotations

import shutil
import subprocess
import warnings


def pdf_text(content: bytes) -> str | None:
    """The text of a PDF, or None when pdftotext is missing (the caller then only checks bytes)."""
    assert content.startswith(b"%PDF-"), content[:20]
    assert content.rstrip().endswith(b"%%EOF")
    tool = shutil.which("pdftotext")
    if tool is None:
        warnings.warn(
            "pdftotext is not installed (apt-get install poppler-utils): PDF text not checked",
            stacklevel=2,
        )
        return None
    done = subprocess.run(
        [tool, "-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode("utf-8", "replace")


def assert_pdf_contains(content: bytes, *texts: str) -> None:
    text = pdf_text(content)
    if text is None:
        return
    squeezed = " ".join(text.split())
    for expected in texts:
        assert expected in squeezed, f"{expected!r} not in the PDF text: {squeezed[:500]!r}"
