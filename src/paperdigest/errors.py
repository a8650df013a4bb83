"""One exception tree for the whole package.

Every error a user can cause or meet derives from :class:`AppError`. Each edge translates them
once: the CLI prints ``error: <message>`` on one line and exits with ``exit_code``
(``PAPERDIGEST_RAISE_ERRORS=1`` shows the traceback instead); the web app answers with a status
page. No other module defines an error class a caller may catch.

    AppError
    ├── ConfigError            bad option, bad setting, missing key, missing extra      (exit 2)
    │   ├── NeedsKey           an API key is required and none was found
    │   └── LanguageRefused    the backend cannot write the language asked for
    ├── InputError             malformed saved response, unreadable file               (exit 2)
    │   ├── FormatError        a malformed item or feed from a source (HF JSON, arXiv Atom)
    │   │   ├── Oversized      an item with a field over its size limit (skipped, warned)
    │   │   └── ArxivAPIError  the arXiv API answered with its error feed (a bad query)
    │   ├── ArxivIdError       the text is not an arXiv identifier
    │   ├── ExtractError       a downloaded or local file is not a usable paper
    │   └── SearchQueryError   a search query that cannot be searched (HTTP 400)
    ├── FetchError             a source could not be read (network, HTTP status, body) (exit 1)
    │   ├── TooLarge           a body over the caller's size cap (not retried)
    │   └── SourceUnavailable  the day's list cannot be read and none is stored       (exit 3)
    ├── BackendError           the summarizer failed for one paper                     (exit 1)
    │   ├── InvalidAnswer      the model answered, but not with the three sections
    │   ├── ServerTrouble      one request timed out or lost its connection (the run's
    │   │                      circuit breaker counts these across papers)
    │   └── BackendStopped     the backend can serve no more papers in this run
    │       ├── BackendUnavailable  the server cannot be reached at all
    │       └── WorkerCrashed  the local model's worker process died (a signal, out of memory)
    ├── BudgetExhausted        the run's --max-calls / --max-tokens budget is used up  (exit 1)
    ├── PublishError           a webhook refused a message                             (exit 1)
    ├── WriteError             a file cannot be written (permissions, full disk)       (exit 2)
    └── StoreError             the database cannot be opened, read or written          (exit 2)
        └── SearchUnavailable  the database has no search index yet

A run stops at once (keeping what it has) on :class:`ConfigError` and :class:`BackendStopped`;
any other error of one paper fails that paper only.
"""

from __future__ import annotations

__all__ = [
    "AppError",
    "ArxivAPIError",
    "ArxivIdError",
    "BackendError",
    "BackendStopped",
    "BackendUnavailable",
    "BudgetExhausted",
    "ConfigError",
    "ExtractError",
    "FetchError",
    "FormatError",
    "InputError",
    "InvalidAnswer",
    "LanguageRefused",
    "NeedsKey",
    "Oversized",
    "PublishError",
    "SearchQueryError",
    "SearchUnavailable",
    "ServerTrouble",
    "SourceUnavailable",
    "StoreError",
    "TooLarge",
    "WorkerCrashed",
    "WriteError",
]


class AppError(Exception):
    """Base class: a message meant for the user, and the exit code for the CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AppError, ValueError):
    exit_code = 2


class NeedsKey(ConfigError):
    def __init__(self, backend: str, env_var: str) -> None:
        super().__init__(
            f"No API key for the '{backend}' backend: set the environment variable {env_var} "
            f"(or point --base-url at a server that needs no key)"
        )
        self.env_var = env_var


class LanguageRefused(ConfigError):
    """The backend only writes other languages than the one asked for (exit 2)."""


class InputError(AppError, ValueError):
    exit_code = 2


class FormatError(InputError):
    """A malformed item or feed from a source (a Hugging Face item, an arXiv Atom page)."""


class Oversized(FormatError):
    """An item with a field over its size limit: every source skips it with a warning."""


class ArxivAPIError(FormatError):
    """The arXiv API answered with its error feed (an entry whose id is ``…/api/errors#…``);
    the source turns it into a :class:`FetchError` carrying arXiv's message."""


class ArxivIdError(InputError):
    """The text is not an arXiv identifier."""


class ExtractError(InputError):
    """The file is not a paper the extractor can read (wrong type, scanned, too short)."""


class SearchQueryError(InputError):
    """The query cannot be searched (empty, too long, no words). The API answers 400."""


class FetchError(AppError):
    exit_code = 1

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class TooLarge(FetchError):
    """The body is bigger than the caller's cap; the download was stopped, not retried."""


class SourceUnavailable(FetchError):
    """The day's list cannot be read and no earlier copy of it is stored: nothing was
    summarized (exit 3, apart from 1: a run in which some paper failed)."""

    exit_code = 3


class BackendError(AppError):
    exit_code = 1


class InvalidAnswer(BackendError):
    """The model's answer did not hold the three sections (retried by the caller)."""


class ServerTrouble(BackendError):
    """One request timed out, was refused or lost its connection. The paper is not failed at
    once: the scheduler's circuit breaker counts these across papers and stops the run after a
    few in a row (see :mod:`paperdigest.digest.scheduler`)."""

    def __init__(self, message: str, *, server: str = "") -> None:
        super().__init__(message)
        self.server = server


class BackendStopped(BackendError):
    """The backend can serve no more papers in this run: the run stops and keeps what it has."""


class BackendUnavailable(BackendStopped):
    """The server cannot be reached at all: no paper can succeed, so the run stops."""


class WorkerCrashed(BackendStopped):
    """The local model's worker process died (a signal, out of memory): no paper can be served
    any more. Exit 1 when some papers were done, 2 when nothing could run at all."""

    def __init__(self, message: str, *, served: int) -> None:
        super().__init__(message)
        self.served = served
        self.exit_code = 1 if served else 2


class BudgetExhausted(AppError):
    """The run's --max-calls or --max-tokens budget is used up: stop cleanly."""

    exit_code = 1


class PublishError(AppError):
    exit_code = 1


class WriteError(AppError):
    exit_code = 2


class StoreError(AppError):
    exit_code = 2


class SearchUnavailable(StoreError):
    """The database has no search index (opened read-only before the search migration)."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} has no search index yet: open it once for writing (e.g. run "
            "`paperdigest digest` or `paperdigest site` with this --db) to add it"
        )
