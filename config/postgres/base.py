"""Django's PostgreSQL backend with a health check that costs no round trip when the connection is quiet.

``CONN_HEALTH_CHECKS`` makes Django check a persistent connection before the first statement of every request,
and the stock check is ``SELECT 1``: one more round trip than the request needs, on every request. Between
requests an idle connection receives nothing unless the server is going away: a shutdown or a terminated backend
sends its last message and closes the socket, so the socket becomes readable. A quiet socket on a connection that
psycopg still considers good is therefore usable without asking; anything else is left to ``SELECT 1`` exactly as
before (a readable socket may also hold a harmless message, such as a changed server parameter).
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(PostgresDatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            quiet = not poller.poll(0)
        except (AttributeError, OSError, ValueError, psycopg.Error):  # no poll(), or no socket: the round trip decides
            return super().is_usable()
        return quiet or super().is_usable()
