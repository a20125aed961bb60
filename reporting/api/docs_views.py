"""Swagger UI and Redoc from the sidecar's local assets, under a CSP relaxed only as far as they need.

Both viewers style their widgets with inline styles (Redoc through styled-components, Swagger UI in its
template), and Redoc parses the schema in a blob: worker; scripts stay 'self' only.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

_VIEWER_CSP = {"style-src": ["'unsafe-inline'"], "img-src": ["data:"], "worker-src": ["blob:"]}


@method_decorator(csp_update(_VIEWER_CSP), name="get")
class SwaggerDocsView(SpectacularSwaggerSplitView):
    pass


@method_decorator(csp_update(_VIEWER_CSP), name="get")
class RedocDocsView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
