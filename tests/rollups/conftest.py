"""The timeseries fixtures (clubs in Europe/Oslo, America/Denver, Asia/Kathmandu; an API client per context)."""

from tests.timeseries.conftest import _unlimited_rate, client_for, zoned_clubs  # noqa: F401
