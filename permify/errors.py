"""One exception tree for all of permify, rooted at :class:`PermifyError`.

Every error a caller can see is a :class:`PermifyError`; no raw ``requests``, ``sqlite3``,
``zipfile`` or ``lxml`` exception crosses the public API. Each class says when it is raised
and what the user should do next, and its message is one line that can be shown as is.
"""

from __future__ import annotations

from collections.abc import Iterable


class PermifyError(Exception):
    """Base class of every error permify raises on purpose.

    ``exit_code`` is what the command line exits with when this error ends a command.
    """

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- user input


class UsageError(PermifyError):
    """Raised for a bad combination of options or a bad option value. Fix the command line."""


class ConfigError(PermifyError):
    """Raised when configuration is missing or malformed (no API key, unreadable config file)."""


class InputError(PermifyError):
    """Raised when an input document cannot be read or parsed.

    Attributes: ``path``, the file (or ``-`` for stdin) that is wrong.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class UnsupportedFormatError(InputError):
    """Raised when no adapter handles a file's suffix. Pass ``--from`` or rename the file."""


class OutputError(PermifyError):
    """Raised when the output document or report cannot be written (permissions, disk full)."""


# --------------------------------------------------------------------------- the ledger


class LedgerError(PermifyError):
    """Raised when the ledger cannot be opened or used.

    Attributes: ``path``, the ledger file. The message names the path so the user can move
    it aside or pass another with ``--ledger``.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"ledger {path}: {problem}")
        self.path = path


# --------------------------------------------------------------------------- the Perma.cc API


class PermaError(PermifyError):
    """Base class of errors that come from talking to the Perma.cc API.

    Attributes: ``status`` (HTTP status or None), ``method`` and ``path`` of the request
    (never a URL carrying a key), and ``messages`` (every message string the server gave).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        messages: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.messages = tuple(messages)


class AuthenticationError(PermaError):
    """Raised on HTTP 401: the API key is missing, wrong, or belongs to an inactive account.

    Set ``PERMA_API_KEY`` (or ``api_key`` in the config file) to the key shown on your
    Perma.cc settings page.
    """


class PermissionDeniedError(PermaError):
    """Raised on HTTP 403: the key is valid but the object (folder, archive) is not yours.

    Also raised when deleting an archive older than 24 hours, which Perma forbids.
    """


class NotFoundError(PermaError):
    """Raised on HTTP 404, including Perma's plain-text ``Page Not Found`` for unknown paths."""


class ValidationError(PermaError):
    """Raised on HTTP 400. ``messages`` holds every message found in the body, whatever its shape.

    ``fields`` maps each field name to its messages (``error`` for general ones).
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.fields = fields or {}


class QuotaExceededError(ValidationError):
    """Raised when Perma refuses to create a link because of the account's usage limit or standing.

    Personal folders have a quota (10 links on a free account); organization and sponsored
    folders have none. Archive into an organization folder, or raise the plan's limit.
    """


class RateLimitedError(PermaError):
    """Raised on HTTP 429 once retries are used up. ``retry_after`` is the server's hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(PermaError):
    """Raised on HTTP 5xx once retries are used up. Perma.cc may be down; try again later."""


class NetworkError(PermaError):
    """Raised when the API cannot be reached (DNS, refused connection, TLS, timeout) after retries."""


class DownloadInterruptedError(NetworkError):
    """Raised when a download's body breaks off after Perma began to answer (the connection
    dropped mid-stream): that one download failed, Perma itself was reached. ``status`` is the
    answer's. Try again; the capture review reports the archive as not checked and goes on."""


class RequestTimeoutError(NetworkError):
    """Raised when a request that is safe to repeat got no complete answer in time, retries included.

    Every attempt has a deadline (``timeout``: connecting, waiting, and reading the whole
    body), and the retries share a total budget. The message names the ``--timeout`` option.
    Attributes: ``timeout``, the per-attempt deadline in seconds.
    """

    def __init__(self, message: str, *, timeout: float | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.timeout = timeout


class ProtocolError(PermaError):
    """Raised when an answer breaks the Perma API's contract, so nothing in it can be trusted.

    For example an archive whose GUID is not a Perma GUID (``../../etc``, markup, escapes),
    a list that never ends or repeats a page, a redirect loop, or a body far larger than any
    real answer. Nothing from such an answer reaches a document or the ledger. Check that
    ``PERMA_API_URL`` points at Perma. Attributes: ``field`` (what was wrong, e.g. ``guid``)
    and ``value`` (the offending value, made safe to show and shortened).
    """

    def __init__(self, message: str, *, field: str | None = None, value: str | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.field = field
        self.value = value


class UnknownOutcomeError(PermaError):
    """Raised when a POST may have reached the server but no answer came back.

    A timeout after sending, a dropped connection, a 5xx, or a redirect (never followed with
    the body sent again) on a create: the archive may exist. It is never re-sent blindly; the
    archiver reconciles with the folder and the user's recent batches first. ``cause`` is the underlying error.
    """

    def __init__(self, message: str, *, cause: BaseException | None = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.cause = cause


class UnsafeTransportError(PermaError):
    """Raised before a request that would send the API key over plain http to a non-loopback host."""


class InvalidGuidError(PermifyError, ValueError):
    """Raised when a string is not a Perma GUID (``XXXX-XXXX`` in Perma's alphabet)."""


class StrictModeError(PermifyError):
    """Raised by the pandoc filter in ``strict`` mode when a cited URL ends the build without a Perma link.

    Strict mode is for the CI of a finished manuscript; without it the build goes on with a warning.
    """

    exit_code = 1


class Interrupted(PermifyError):
    """Raised when the user interrupts a run (Ctrl-C); the ledger is intact and no partial output exists."""

    exit_code = 130
