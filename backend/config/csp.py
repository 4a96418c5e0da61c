"""Content-Security-Policy on every answer: scripts, styles and media from this site only, no inline code.

The templates carry no inline script, style element or style attribute (the upload page's script and the bill's
styles live in frontend/static/), so the policy needs neither 'unsafe-inline' nor nonces. Scripts setting
`element.style` through the DOM are not inline styles and keep working. The policy is written once, in settings
(CONTENT_SECURITY_POLICY), where S3 media adds its origin; an empty setting sends none.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
