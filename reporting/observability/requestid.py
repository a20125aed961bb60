"""One id per request, from ``X-Request-ID`` or generated, carried into the Celery tasks the request enqueues.

The id lives in a context variable: the web middleware sets it for the request, ``before_task_publish`` copies it
into the task message's headers, and ``task_prerun`` sets it again in the worker process that runs the task, so
every log line of both (see :class:`RequestIdFilter`) names the request that caused it.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "request_id"
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
# What a client may send: bounded and inert in a log line; anything else is replaced by a generated id.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current_request_id() -> str | None:
    return _current.get()


def accepted_or_new(candidate: str | None) -> str:
    if candidate and _ACCEPTED.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def bind(request_id: str | None) -> Any:
    """Make ``request_id`` current; returns the token :func:`unbind` takes."""
    return _current.set(request_id)


def unbind(token: Any) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the current id, or None) to every record a handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


@before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = _current.get()
    if request_id is not None and headers is not None:
        headers.setdefault(HEADER, request_id)


_task_tokens: dict[str, Any] = {}


@task_prerun.connect
def _bind_task_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, HEADER, None) if task is not None else None
    if task_id is not None:
        _task_tokens[task_id] = _current.set(request_id if isinstance(request_id, str) else None)


@task_postrun.connect
def _unbind_task_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a thread pool): clear instead
            _current.set(None)
