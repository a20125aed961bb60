"""Exports: any records (or, later, timeseries) query to CSV or XLSX, written by Celery workers.

``services`` (writes: create, cancel, delete, run, recover, expire), ``selectors`` (reads), ``requests`` (body
validation), ``sources`` (which SQL a query streams), ``formats`` and ``writers`` (bytes on disk), ``storage``
(temporary files and atomic publishing), ``runner`` (one attempt on a worker).
"""
