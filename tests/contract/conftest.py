"""The contract tests run exports on real Celery workers: the same broker, storage and worker fixtures as tests/exports."""

from tests.exports.conftest import _export_setup, broker, exports_dir, worker, worker_factory

__all__ = ["_export_setup", "broker", "exports_dir", "worker", "worker_factory"]
