import re
import uuid

from .logging import request_id_var

# A proxy may hand us its own id; accept only a short, harmless token so logs cannot be forged.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tags each request with an id, echoed in the X-Request-ID header and in every log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than MEYDAN_MAX_REQUEST_BYTES before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE covers form fields but not files, which Django would stream to a
    temporary file first; this stops oversized uploads at the door with a readable page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.shortcuts import render

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MEYDAN_MAX_REQUEST_BYTES:
            return render(request, "413.html", {"limit_mb": settings.MEYDAN_MAX_REQUEST_BYTES // 2**20}, status=413)
        return self.get_response(request)
