"""Collected static files that are never stale: ``collectstatic`` again only when a source file changed.

The static storage (whitenoise's compressed manifest storage) serves fingerprinted, pre-compressed copies
from STATIC_ROOT, so every page needs a collected STATIC_ROOT whose manifest names the current files. A full
collect compresses every file twice (gzip and brotli) and takes a minute; ``make run`` and the test session
call ``ensure_collected`` instead, which re-collects only when the sources' fingerprint differs from the one
recorded by the last collect (any file added, removed, resized or touched, or another storage backend).
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP = ".sources-fingerprint"


def sources_fingerprint() -> str:
    """A digest of every file the finders would collect (path, size, modification time) and the storage."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def ensure_collected(*, verbosity: int = 0) -> bool:
    """Run ``collectstatic`` unless STATIC_ROOT already holds the current sources; True when it ran."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    # One collector at a time (make run and a test session may start together in the same tree).
    with open(root / ".collect.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = root / STAMP
        wanted = sources_fingerprint()
        manifest = root / "staticfiles.json"
        if manifest.exists() and stamp.exists() and stamp.read_text() == wanted:
            return False
        stamp.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=verbosity)
        stamp.write_text(wanted)
        return True
