"""Media files through Django with HTTP Range support (206 Partial Content): browsers seek in MP4 only so.

Local storage only; behind S3 the storage's own signed URLs are used and this view is not reached.
"""

from __future__ import annotations

import mimetypes
import re

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


@login_required
def media_serve(request, path: str):
    if ".." in path.split("/") or path.startswith("/") or "\x00" in path:
        raise Http404
    try:
        size = default_storage.size(path)
        fh = default_storage.open(path, "rb")  # a folder (`clips/`) has a size but does not open: 404, not 500
    except (NotImplementedError, OSError, ValueError):  # ValueError: a NUL byte the OS refuses
        raise Http404 from None
    ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    header = request.headers.get("Range", "").strip()
    if not header:
        response = FileResponse(fh, content_type=ctype)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, max-age=3600"
        return response
    match = RANGE_RE.match(header)
    if not match or (not match.group(1) and not match.group(2)):
        fh.close()
        return _unsatisfiable(size)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # suffix range: the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        fh.close()
        return _unsatisfiable(size)
    fh.seek(start)

    def body(remaining: int = end - start + 1):
        try:
            while remaining > 0:
                data = fh.read(min(CHUNK, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data
        finally:
            fh.close()

    response = StreamingHttpResponse(body(), status=206, content_type=ctype)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
