"""The debt statement as a PDF: a Persian right-to-left page rendered by WeasyPrint (which shapes Persian
through Pango/HarfBuzz) from the template `portal/statements/statement_pdf.html`.

The font is the vendored Vazirmatn, loaded by file URL; the renderer fetches nothing else, so a
statement never reaches the network and looks the same on every machine.
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

from tamin.contributions.billing import DebtStatement
from tamin.core import jalali
from tamin.core.jalali import JalaliMonth, format_jalali
from tamin.registry.models import Workshop

FONT_DIR = Path(__file__).resolve().parent.parent / "portal" / "static" / "vendor" / "vazirmatn"
TEMPLATE = "portal/statements/statement_pdf.html"


@functools.cache
def _sfnt(name: str) -> bytes:
    """A vendored WOFF2 font unpacked to plain TrueType, once per process: WeasyPrint would otherwise
    Brotli-decompress it for every PDF (about 0.27 s a font, most of a statement's rendering time)."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / name)
    font.flavor = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _fetcher() -> Any:
    """WeasyPrint's fetcher, limited to the vendored font files: any other URL is refused."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class VendoredFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(url2pathname(urlsplit(url).path)).resolve() if url.startswith("file:") else None
            if path is None or not path.is_relative_to(FONT_DIR) or not path.is_file():
                raise ValueError(f"statement PDFs load only the vendored font, not {url}")
            if path.suffix == ".woff2":
                return URLFetcherResponse(url, body=_sfnt(path.name), headers={"Content-Type": "font/ttf"})
            return super().fetch(url, headers)

    return VendoredFontsOnly(allowed_protocols={"file"})


def statement_context(st: DebtStatement) -> dict[str, Any]:
    """What the page and the PDF show: each line with its month in words, and the column sums (a credit
    is money paid beyond every bill, so it is in no line)."""
    return {
        "st": st,
        "lines": [
            {"line": line, "month_fa": JalaliMonth(*map(int, line.month.split("-"))).label_fa}
            for line in st.lines
        ],
        "sum_paid": sum(line.paid for line in st.lines),
        "relief": sum(getattr(line, "penalty_relief", 0) for line in st.lines),
        "sum_outstanding": sum(line.outstanding for line in st.lines),
    }


def statement_html(st: DebtStatement, workshop: Workshop) -> str:
    return render_to_string(
        TEMPLATE,
        {
            **statement_context(st),
            "workshop": workshop,
            "printed_on": jalali.today(),
            "font_regular": (FONT_DIR / "Vazirmatn-Regular.woff2").as_uri(),
            "font_bold": (FONT_DIR / "Vazirmatn-Bold.woff2").as_uri(),
        },
    )


def statement_pdf(st: DebtStatement, workshop: Workshop) -> bytes:
    """The PDF bytes of `st`, the statement of `workshop` (already checked for the caller's scope)."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for

    return HTML(
        string=statement_html(st, workshop), base_url=FONT_DIR.as_uri() + "/", url_fetcher=_fetcher()
    ).write_pdf()


def filename(st: DebtStatement) -> str:
    return f"statement-{st.workshop}-{format_jalali(st.as_of, sep='')}.pdf"


def pdf_response(st: DebtStatement, workshop: Workshop) -> HttpResponse:
    response = HttpResponse(statement_pdf(st, workshop), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename(st)}"'
    # A debt statement is personal to the employer: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
