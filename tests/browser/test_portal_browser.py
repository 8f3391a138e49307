"""The portal in a real browser: Debian's chromium, driven by Playwright, against `tamin serve` on a
freshly built demo database. Checks what only a browser can: the page is laid out right to left in
the vendored Persian font, shows Persian digits, and nothing is fetched from outside the server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tamin.core.jalali import format_jalali_fa, today
from tamin.core.text import to_persian_digits

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO = ["demo", "--no-serve", "--province", "18", "--scale", "0.0005", "--seed", "7"]
REFUSAL = "دسترسی به این صفحه برای شما ممکن نیست"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: install it with `make browser`"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`tamin serve` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"`tamin serve` did not answer at {url} within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    """(base URL, demo credentials, folder for screenshots) of a served demo database."""
    _require_chromium()
    var = tmp_path_factory.mktemp("tamin-demo")
    env = {**os.environ, "TAMIN_VAR_DIR": str(var)}
    env.pop("TAMIN_DATABASE_URL", None)  # the demo gets its own SQLite file, never the test database
    build = subprocess.run(
        [sys.executable, "-m", "tamin", *DEMO], env=env, capture_output=True, text=True, timeout=300
    )
    assert build.returncode == 0, f"tamin demo failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    credentials = json.loads((var / "demo-credentials.json").read_text(encoding="utf-8"))
    port = _free_port()
    log = var / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "tamin", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/login/", server, log)
        yield base, credentials, var
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser_page(demo_server) -> Iterator[tuple[Any, list[str]]]:
    """A chromium page, and the list of requests it made to anywhere but the server."""
    from playwright.sync_api import sync_playwright

    base = demo_server[0]
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fa-IR")
            page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
            yield page, outside
        finally:
            browser.close()
    assert not outside, f"the portal fetched from outside the server: {outside}"


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login/"), "an anonymous visitor must land on the login page"
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url == f"{base}/"


def test_insured_sees_own_file_in_persian_rtl_and_is_refused_another(demo_server, browser_page) -> None:
    base, credentials, shots = demo_server
    page, _ = browser_page
    insured = credentials["demo-insured"]
    pensioner_code = credentials["demo-pensioner"]["national_code"]
    _sign_in(page, base, "demo-insured", insured["password"])
    assert page.locator("html[lang='fa'][dir='rtl']").count() == 1
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # fonts.check() is true for a family nobody declared, so look for the loaded face itself.
    font_loaded = page.evaluate(
        """async () => {
            await document.fonts.ready;
            return [...document.fonts].some(
                (f) => f.family.replaceAll('"', "") === "Vazirmatn" && f.status === "loaded");
        }"""
    )
    assert font_loaded, "the vendored Vazirmatn font did not load"
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Vazirmatn")
    text = page.inner_text("body")
    assert to_persian_digits(insured["national_code"]) in text
    assert insured["national_code"] not in text
    assert format_jalali_fa(today()) in page.inner_text("[data-testid=today]")
    page.screenshot(path=str(shots / "insured-home.png"), full_page=True)

    response = page.goto(f"{base}/persons/{pensioner_code}/")
    assert response is not None and response.status == 403
    assert REFUSAL in page.inner_text("body")
    assert to_persian_digits(pensioner_code) not in page.inner_text("body")
    page.screenshot(path=str(shots / "refused.png"), full_page=True)
    print(f"screenshots: {shots}")


def test_provider_eligibility_answer_comes_by_htmx(demo_server, browser_page) -> None:
    base, credentials, shots = demo_server
    page, _ = browser_page
    _sign_in(page, base, "demo-provider", credentials["demo-provider"]["password"])
    insured_code = credentials["demo-insured"]["national_code"]
    page.fill("#id_national_code", to_persian_digits(insured_code))
    page.click("#eligibility-panel button[type=submit]")
    answer = page.wait_for_selector("[data-testid=eligibility-answer]")
    # The panel was swapped in place (htmx, with the CSRF header), not reached by a page load.
    assert page.url == f"{base}/"
    assert answer.get_attribute("data-covered") == "true"
    assert to_persian_digits(insured_code) in answer.inner_text()
    page.fill("#id_national_code", "1234567890")
    page.click("#eligibility-panel button[type=submit]")
    error = page.wait_for_selector("[data-error-code]")
    assert error.get_attribute("data-error-code") == "national_code.checksum"
    page.screenshot(path=str(shots / "provider-eligibility.png"), full_page=True)
