"""Persian right-to-left PDFs (debt statement, pension slip, pension award): a Django template rendered by
WeasyPrint, which shapes Persian through Pango/HarfBuzz.

The font is the vendored Vazirmatn, loaded by file URL; the renderer fetches nothing else, so a document
never reaches the network and looks the same on every machine. Every document here is personal (an
employer's debt, a person's pension), so the response is never kept by a shared cache.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.http import HttpResponse
from django.template.loader import render_to_string

from tamin.core import jalali

FONT_DIR = Path(__file__).resolve().parent / "static" / "vendor" / "vazirmatn"


@functools.cache
def _sfnt(name: str) -> bytes:
    """A vendored WOFF2 font unpacked to plain TrueType, once per process: WeasyPrint would otherwise
    Brotli-decompress it for every PDF (about 0.27 s a font, most of a document's rendering time)."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / name)
    font.flavor = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def fetcher() -> Any:
    """WeasyPrint's fetcher, limited to the vendored font files: any other URL is refused."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class VendoredFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(url2pathname(urlsplit(url).path)).resolve() if url.startswith("file:") else None
            if path is None or not path.is_relative_to(FONT_DIR) or not path.is_file():
                raise ValueError(f"PDFs load only the vendored font, not {url}")
            if path.suffix == ".woff2":
                return URLFetcherResponse(url, body=_sfnt(path.name), headers={"Content-Type": "font/ttf"})
            return super().fetch(url, headers)

    return VendoredFontsOnly(allowed_protocols={"file"})


def html(template: str, context: dict[str, Any]) -> str:
    """The document's HTML: `context` plus the print date and the font URLs every PDF template uses."""
    return render_to_string(
        template,
        {
            **context,
            "printed_on": jalali.today(),
            "font_regular": (FONT_DIR / "Vazirmatn-Regular.woff2").as_uri(),
            "font_bold": (FONT_DIR / "Vazirmatn-Bold.woff2").as_uri(),
        },
    )


def render(document_html: str) -> bytes:
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for

    return HTML(string=document_html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=fetcher()).write_pdf()


def response(data: bytes, filename: str) -> HttpResponse:
    out = HttpResponse(data, content_type="application/pdf")
    out["Content-Disposition"] = f'inline; filename="{filename}"'
    out["Cache-Control"] = "private, no-store"
    return out
