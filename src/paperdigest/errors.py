"""One exception tree for the whole package.

Every error a user can cause or meet derives from :class:`AppError`. Each edge (the CLI, later the
web app) translates them once: the CLI prints ``error: <message>`` on one line and exits with
``exit_code``. Set ``PAPERDIGEST_RAISE_ERRORS=1`` to see the traceback instead.

    AppError
    ├── ConfigError        bad option, bad setting, missing key, missing extra      (exit 2)
    │   └── NeedsKey       an API key is required and none was found
    ├── InputError         malformed saved response, unreadable file               (exit 2)
    ├── FetchError         a source could not be read (network, HTTP status, body) (exit 1)
    ├── BackendError       the summarizer failed for one paper                     (exit 1)
    │   ├── InvalidAnswer  the model answered, but not with the three sections
    │   └── BackendStopped the backend can serve no more papers: the run stops, keeps what it has
    └── StoreError         the database cannot be opened or written                (exit 2)
"""

from __future__ import annotations


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


class InputError(AppError, ValueError):
    exit_code = 2


class FetchError(AppError):
    exit_code = 1

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class BackendError(AppError):
    exit_code = 1


class InvalidAnswer(BackendError):
    """The model's answer did not hold the three sections (retried by the caller)."""


class BackendStopped(BackendError):
    """The backend can serve no more papers in this run: the run stops and keeps what it has
    (an unreachable server, a model process that died)."""


class StoreError(AppError):
    exit_code = 2


class BudgetExhausted(AppError):
    """The run's --max-calls or --max-tokens budget is used up: stop cleanly."""

    exit_code = 1
