"""Writes docs/screenshots/segments.png (a club's segments) and segments-compare.png (two of them side by side).

Run against a database holding the demo data (what `make run` seeds), with the same environment as the app:
    DATABASE_URL=... .venv/bin/python scripts/segments_screenshot.py
It saves three example segments of the largest club through the product's own service (skipping names that
exist), starts its own server on a free port (as scripts/overview_screenshots.py does), logs in as the benchmark's
superuser and takes 1440-pixel-wide screenshots once every chart is drawn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# name -> the dashboard URL parameters the segment is saved from (as "Save as segment" does)
EXAMPLES = {
    "Women reachable by e-mail": {"gender": ["woman"], "marketing_via_email": ["true"]},
    "iOS sign-ups": {"optin_platform": ["ios"]},
    "Young adults (20-29)": {"age": ["20-24", "25-29"]},
}


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from bench.pages import CHROMIUM, CHROMIUM_ARGS, _free_port, _largest_club, _session_cookie, _start_server
    from dashboards.staticbuild import ensure_collected
    from dashboards.urlfilters import parse_view_filter
    from reporting.models import Segment
    from reporting.reports.members import MEMBERS
    from reporting.segments import segment_create

    folder = ROOT / "docs" / "screenshots"
    ensure_collected()
    club = _largest_club()
    for name, params in EXAMPLES.items():
        if not Segment.objects.filter(community_id=club, name=name).exists():
            tree = parse_view_filter(params, MEMBERS).raw
            segment_create(actor_key="command", user=None, community_id=club, name=name, filter_raw=tree)
    a, b = (Segment.objects.get(community_id=club, name=name).id for name in list(EXAMPLES)[:2])
    cookie, port = _session_cookie(), _free_port()
    server = _start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/clubs/{club}/segments/")
            page.screenshot(path=str(folder / "segments.png"), full_page=True)
            page.goto(f"{base}/clubs/{club}/segments/compare/?a={a}&b={b}")
            for _ in range(1200):
                if page.locator(".plot").count() and not page.locator('.plot:not([data-drawn="true"])').count():
                    break
                page.wait_for_timeout(100)
            page.screenshot(path=str(folder / "segments-compare.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {folder / 'segments.png'} and {folder / 'segments-compare.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
