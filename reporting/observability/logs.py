"""JSON log lines: one object per line with time, level, logger, message, request id and a few known extras.

Only fields listed in ``EXTRA_FIELDS`` are copied from ``extra=``, so a careless ``extra`` cannot put a request
body or a member's data into the log; messages themselves never carry personal data (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging

EXTRA_FIELDS = ("export_id", "outcome", "rows", "duration_ms", "task", "worker", "queue", "route", "status")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": record.process,
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)
