"""Where export files live: a temporary file while being written, the export storage once complete.

Nothing incomplete is ever under a final name. A local storage (FileSystemStorage) gets the file by one
``os.replace`` from a ``.partial`` folder inside it (same filesystem, so the rename is atomic); any other
storage (S3 through django-storages) gets one upload, which S3 makes visible only once it is complete.
Final names are unique per attempt (``<export id>/<run token>.<ext>``), so an attempt that loses a race never
overwrites or deletes the winner's file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from reporting.exports.conf import exports_setting

logger = logging.getLogger(__name__)
_PARTIAL_SUFFIX = ".part"


def export_storage() -> Storage:
    return storages["exports"]


def partial_dir() -> Path:
    configured = exports_setting("PARTIAL_DIR")
    storage = export_storage()
    if configured:
        path = Path(configured)
    elif isinstance(storage, FileSystemStorage):
        path = Path(storage.location) / ".partial"
    else:
        path = Path(tempfile.gettempdir()) / "clubinsight-exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def partial_path(*, export_id: uuid.UUID, run_token: uuid.UUID, extension: str) -> Path:
    return partial_dir() / f"{export_id}.{run_token}.{extension}{_PARTIAL_SUFFIX}"


def final_name(*, export_id: uuid.UUID, run_token: uuid.UUID, extension: str) -> str:
    return f"{export_id}/{run_token}.{extension}"


def remove_partials(*, export_id: uuid.UUID, run_token: uuid.UUID | None = None) -> int:
    """Delete the temporary files of this export (one attempt's, or every attempt's) on this machine."""
    removed = 0
    pattern = f"{export_id}.{run_token or '*'}.*"
    for path in partial_dir().glob(pattern):
        _remove(path)
        removed += 1
    return removed


def sweep_partials(*, older_than_seconds: float) -> int:
    """Delete temporary files nobody has written to for a while (attempts that died with their worker)."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in partial_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                _remove(path)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def publish(*, temp: Path, name: str) -> int:
    """Move a complete temporary file to ``name`` in the export storage; returns its size in bytes."""
    size = temp.stat().st_size
    storage = export_storage()
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(temp, target)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            # PARTIAL_DIR on another filesystem: copy next to the target first, so the final step is a rename.
            staging = target.with_name(f".{target.name}.incoming")
            shutil.copyfile(temp, staging)
            os.replace(staging, target)
            temp.unlink()
        _fsync_directory(target.parent)
        return size
    with temp.open("rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:  # a storage that renames on collision would break the one-name-per-attempt rule
        storage.delete(saved)
        raise RuntimeError(f"export storage saved {name!r} as {saved!r}; configure it to overwrite")
    temp.unlink()
    return size


def delete_file(name: str) -> None:
    if not name:
        return
    storage = export_storage()
    storage.delete(name)
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.path(name)).parent
        with contextlib.suppress(OSError):
            folder.rmdir()  # the export's own folder, once empty


def file_exists(name: str) -> bool:
    return bool(name) and export_storage().exists(name)


def _fsync_directory(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        logger.debug("fsync of %s not supported", path)
    finally:
        os.close(descriptor)
