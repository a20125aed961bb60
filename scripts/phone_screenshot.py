"""Writes docs/screenshots/overview-phone.png: the first screen of the largest club's overview on a phone.

Run against a database holding the demo data (what `make run` seeds), with the same environment as the app:
    DATABASE_URL=... .venv/bin/python scripts/phone_screenshot.py [output.png]
It starts its own server on a free port (as `make bench`'s pages section does), logs in as a superuser it
creates for the purpose (``bench-pages``), waits until every chart is drawn and takes a 390x844 screenshot at
2x pixels.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "overview-phone.png"
    ensure_collected()
    club, cookie, port = _largest_club(), _session_cookie(), _free_port()
    server = _start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
            )
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/clubs/{club}/")
            for _ in range(1200):
                if page.locator(".plot").count() and not page.locator('.plot:not([data-drawn="true"])').count():
                    break
                page.wait_for_timeout(100)
            page.screenshot(path=str(target))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
