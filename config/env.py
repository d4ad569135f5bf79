"""Reading the environment for the settings: a value that isn't understood stops the start.

A typo such as ``DEBUG=flase`` must not quietly mean "off" (or "on"): the process refuses
to start and names the variable, as healthchecks' settings helpers do.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def envbool(name: str, default: bool) -> bool:
    """``name`` as a boolean: 1/true/yes/on or 0/false/no/off (any case); unset or empty is
    ``default``."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use one of "
        f"{', '.join(sorted(TRUE))} or {', '.join(sorted(FALSE))}."
    )


def envint(name: str, default: int) -> int:
    """``name`` as a whole number; unset or empty is ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def envlist(name: str, default: str) -> list[str]:
    """``name`` as a comma-separated list, blanks dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def mailer(*, debug: bool) -> dict[str, object]:
    """The default mailer: EMAIL_BACKEND if set; otherwise SMTP when EMAIL_HOST is set or
    in production, the console in development. SMTP's options are read here only."""
    backend = os.environ.get("EMAIL_BACKEND", "").strip()
    if not backend:
        smtp = bool(os.environ.get("EMAIL_HOST")) or not debug
        backend = f"django.core.mail.backends.{'smtp' if smtp else 'console'}.EmailBackend"
    config: dict[str, object] = {"BACKEND": backend}
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        config["OPTIONS"] = {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": envint("EMAIL_PORT", 587),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS", True),
        }
    return config
