"""Structured logs: a formatter that writes one JSON object per line, and one line per request.

A log shipper reads stdout; each line carries the time, level, logger and message, and
whatever the record was given in ``extra`` (a request's method, path, status, duration in
milliseconds and user id).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_logger = logging.getLogger("cadence.request")

# What every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class RequestLogMiddleware:
    """First in the chain, so its duration covers every other middleware and the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        duration = round((time.perf_counter() - start) * 1000, 1)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        request_logger.log(
            level,
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            duration,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
                "user_id": user_id,
            },
        )
        return response
