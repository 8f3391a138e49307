"""Refuses requests carrying control characters before any view sees them.

No name, code or address in Tamin holds a control character, and PostgreSQL cannot store NUL in
text at all: a NUL reaching a query would be a 500 on PostgreSQL and a silent oddity on SQLite.
Checking once at the edge covers the path, the query string, form fields and JSON bodies alike;
the answer names the field at fault.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tamin.core.errors import Problem

# C0 controls and DEL; tab, newline and carriage return are ordinary in a pasted address.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CODE = "text.control_character"
MESSAGE = "متن نویسهٔ کنترلی نامعتبر دارد."


def _json_strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every (dotted field, text) in a JSON document, keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{where}.{key}" if where else str(key)
            yield field, str(key)
            yield from _json_strings(item, field)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_strings(item, f"{where}.{i}" if where else str(i))


def _fields(request: HttpRequest) -> Iterator[tuple[str, str]]:
    yield "path", request.path
    for key, values in request.GET.lists():
        for value in values:
            yield key, key + value
    content_type = request.content_type or ""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if content_type == "application/json":
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return  # malformed JSON is the API's own 400, with its own message
        yield from _json_strings(document)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            for value in values:
                yield key, key + value


def first_control_character(request: HttpRequest) -> str | None:
    """The field holding the first control character, or None."""
    for field, text in _fields(request):
        if CONTROL.search(text):
            return field
    return None


class ControlCharacterGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = first_control_character(request)
        if field is None:
            return self.get_response(request)
        problem = Problem(CODE, MESSAGE, field)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [problem.as_dict()]}, status=400)
        return render(request, "400.html", {"problems": [problem]}, status=400)
