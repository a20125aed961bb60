"""Writes the README's screenshots of the largest club's overview: docs/screenshots/overview.png (the whole page
on a 1440-pixel-wide laptop screen) and docs/screenshots/overview-phone.png (the first screen on a phone).

Run against a database holding the demo data (what `make run` seeds), with the same environment as the app:
    DATABASE_URL=... .venv/bin/python scripts/overview_screenshots.py [output-folder]
It starts its own server on a free port (as `make bench`'s pages section does), logs in as a superuser it
creates for the purpose (``bench-pages``), waits until every chart is drawn (the growth section included) and
takes the laptop page whole at 1x and the phone's 390x844 screen at 2x pixels.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from bench.pages import CHROMIUM, CHROMIUM_ARGS, _free_port, _largest_club, _session_cookie, _start_server
    from dashboards.staticbuild import ensure_collected

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    ensure_collected()
    club, cookie, port = _largest_club(), _session_cookie(), _free_port()
    server = _start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            screens: list[tuple[str, dict[str, Any], bool]] = [
                ("overview.png", {"viewport": {"width": 1440, "height": 900}}, True),
                (
                    "overview-phone.png",
                    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                     "device_scale_factor": 2},
                    False,
                ),
            ]  # fmt: skip
            for name, options, full_page in screens:
                context = browser.new_context(**options)
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
                page = context.new_page()
                page.goto(f"{base}/clubs/{club}/")
                _wait_until_drawn(page)
                page.screenshot(path=str(folder / name), full_page=full_page)
                context.close()
                print(f"wrote {folder / name}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


def _wait_until_drawn(page: Any) -> None:
    """Every chart drawn, the growth section's too (it streams in after the distributions)."""
    for _ in range(1200):
        drawn = page.locator(".plot").count() and not page.locator('.plot:not([data-drawn="true"])').count()
        if drawn and page.locator("#growth .plot").count():
            break
        page.wait_for_timeout(100)


if __name__ == "__main__":
    sys.exit(main())
