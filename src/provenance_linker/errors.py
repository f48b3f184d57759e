"""The one error root. Every failure the product reports derives from `ProvenanceError`.

Adapters catch it once: the CLI prints ``error: <what> (<where>)`` plus a hint and
exits with `exit_code`; the API answers a JSON problem body with `http_status`.
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base of every reported failure: a message, where it happened, and a hint."""

    exit_code = 1
    http_status = 400
    title = "Bad request"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.where})" if self.where else self.message

    def with_where(self, where: str) -> ProvenanceError:
        """Prefix the location (e.g. the file name) to whatever place is already known."""
        self.where = f"{where}: {self.where}" if self.where else where
        return self


class UsageError(ProvenanceError):
    """The command or request was malformed (exit 2 in the CLI)."""

    exit_code = 2
    title = "Usage error"


class NotFound(ProvenanceError):
    http_status = 404
    title = "Not found"


class AmbiguousReference(ProvenanceError):
    http_status = 409
    title = "Ambiguous reference"


class InvalidDocument(ProvenanceError):
    """A document could not be read, or failed validation. Nothing was stored."""

    http_status = 422
    title = "Invalid document"


class UnsupportedDocument(InvalidDocument):
    title = "Unsupported document"


class LimitExceeded(InvalidDocument):
    """A size, depth or count limit was exceeded."""

    http_status = 413
    title = "Limit exceeded"


class StoreError(ProvenanceError):
    http_status = 500
    title = "Store error"


class StoreUnavailable(StoreError):
    """The graph database cannot be reached (after bounded retries)."""

    http_status = 503
    title = "Store unavailable"


class StorageFull(StoreError):
    """The disk under the store is full: nothing of the failed write was kept."""

    http_status = 507
    title = "Insufficient storage"


class StoreCorrupted(StoreUnavailable):
    """The store's files are damaged (a corrupted page): restore from a backup."""

    title = "Store corrupted"


class VerificationError(ProvenanceError):
    """Verification could not be carried out (as opposed to: it ran and failed)."""

    exit_code = 2
    title = "Verification error"


class AuthError(ProvenanceError):
    http_status = 401
    title = "Unauthorized"


class Forbidden(AuthError):
    http_status = 403
    title = "Forbidden"


class RateLimited(ProvenanceError):
    http_status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int, where: str | None = None):
        super().__init__(message, where=where, hint=f"retry after {retry_after} s")
        self.retry_after = retry_after


class Overloaded(ProvenanceError):
    """The service is at a bound it keeps to stay up (bytes of uploads in memory): try
    again shortly."""

    http_status = 503
    title = "Service unavailable"

    def __init__(self, message: str, *, retry_after: int, where: str | None = None):
        super().__init__(message, where=where, hint=f"retry after {retry_after} s")
        self.retry_after = retry_after


class ConfigError(ProvenanceError):
    exit_code = 2
    title = "Configuration error"


class RegistryError(ProvenanceError):
    """An OCI registry refused, failed, lied (digest mismatch) or sent too much."""

    http_status = 502
    title = "Registry error"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None,
                 result: str = "error"):
        super().__init__(message, where=where, hint=hint)
        self.result = result  # the fetch metric's `result` label
