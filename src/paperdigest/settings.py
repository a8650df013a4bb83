"""Every setting, declared once: its name, default, environment variable and help.

The CLI's options take their defaults, environment variables and help from here
(:func:`option_kwargs`), the modules that read the environment read it through :func:`value`,
and the README's settings table is generated from :data:`SETTINGS` (``python -m
paperdigest.settings`` prints it; ``tests/test_settings.py`` fails when they drift).

A command-line option beats its environment variable, which beats the default.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

DEFAULT_LANG = "ko"
SCORERS = ("auto", "lexical", "embedding")  # the values of --scorer (paperdigest.rank)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    env: str | None
    help: str
    option: str | None = None  # the command-line option that sets it, if any
    parse: Callable[[str], Any] = str  # how the environment's text becomes a value

    def from_env(self, environ: Mapping[str, str] | None = None) -> Any:
        """The environment's value (parsed), else the default."""
        env = os.environ if environ is None else environ
        raw = env.get(self.env, "") if self.env else ""
        if not raw.strip():
            return self.default
        try:
            return self.parse(raw.strip())
        except ValueError as exc:
            raise ConfigError(f"{self.env}={raw!r}: {exc}") from None


def _flag(text: str) -> bool:
    low = text.lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _at_least(low: float, kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            number = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ValueError(f"is not {what}") from None
        if number < low:
            raise ValueError(f"must be at least {low:g}")
        return number

    return parse


SETTINGS: tuple[Setting, ...] = (
    Setting("lang", DEFAULT_LANG, "PAPERDIGEST_LANG", "Summary language (prompts/<lang>.toml).",
            "--lang"),
    Setting("source", "hf", "PAPERDIGEST_SOURCE",
            "'hf' (Hugging Face API), 'file:PATH' (a saved API response), 'arxiv:CAT,CAT' "
            "(arXiv's listing of those categories); several merged into one day with '+' "
            "(hf+arxiv:cs.CL,cs.IR).", "--source"),
    Setting("include_replaced", False, "PAPERDIGEST_ARXIV_INCLUDE_REPLACED",
            "arxiv: source: also list the day's replacements (new versions of older papers).",
            "--include-replaced", _flag),
    Setting("backend", "auto", "PAPERDIGEST_BACKEND",
            "Summarizer: openai, local, extractive or a plugin's. 'auto': a configured "
            "OpenAI-compatible server, else the local model, else extractive.", "--backend"),
    Setting("model", None, "PAPERDIGEST_MODEL", "Model name on the server.", "--model"),
    Setting("base_url", None, "PAPERDIGEST_BASE_URL",
            "OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.", "--base-url"),
    Setting("api_key_env", "OPENAI_API_KEY", None,
            "Environment variable holding the API key.", "--api-key-env"),
    Setting("model_path", None, "PAPERDIGEST_MODEL_PATH", "GGUF file for the local backend.",
            "--model-path"),
    Setting("out", "digests", None, "Folder for <out>/YYYY/MM/DD.md.", "--out"),
    Setting("readme", None, "PAPERDIGEST_README",
            "Front page kept current after each run: the latest day in full and every day by "
            "month (default <out>/README.md; 'off' for none).", "--readme"),
    Setting("limit", None, None, "Only the top N papers by votes.", "--limit"),
    Setting("concurrency", 4, None,
            "Summaries in flight at once (the local backend runs one).", "--concurrency"),
    Setting("repairs", 2, None,
            "Ask again, with the problems, for a summary that fails a check (at most N times).",
            "--repairs"),
    Setting("max_calls", None, None,
            "Stop cleanly after N LLM calls in this run (what is left waits for the next run).",
            "--max-calls"),
    Setting("max_tokens", None, None,
            "Stop cleanly once the backend reports N tokens used in this run.", "--max-tokens"),
    Setting("db", None, "PAPERDIGEST_DB",
            "SQLite file, or a postgresql:// URL (the postgres extra); default: a SQLite file "
            "in the user data folder.", "--db"),
    Setting("home", None, "PAPERDIGEST_HOME",
            "Folder for the database and the caches (instead of the user folders)."),
    Setting("timeout", 120.0, "PAPERDIGEST_TIMEOUT",
            "Seconds to wait for one LLM answer before retrying.", "--timeout",
            _at_least(1, float)),
    Setting("tz", "UTC", "PAPERDIGEST_TZ",
            "Time zone that decides which list date is 'today' (IANA name, e.g. Asia/Seoul).",
            "--tz"),
    Setting("fulltext", None, "PAPERDIGEST_FULLTEXT",
            "Give the model the paper's arXiv full text within its token budget (default: on "
            "for LLM backends, off for extractive).", "--fulltext/--no-fulltext", _flag),
    Setting("hf_url", "https://huggingface.co", "PAPERDIGEST_HF_URL",
            "The Hugging Face API base URL."),
    Setting("arxiv_url", "https://arxiv.org", "PAPERDIGEST_ARXIV_URL",
            "The arXiv base URL for full texts."),
    Setting("arxiv_interval", 3.0, "PAPERDIGEST_ARXIV_INTERVAL",
            "Seconds between requests to arXiv (full texts and the API).", None,
            _at_least(0, float)),
    Setting("arxiv_api_url", "https://export.arxiv.org/api/query", "PAPERDIGEST_ARXIV_API_URL",
            "The arXiv API's query URL (the arxiv: source)."),
    Setting("fulltext_max_mb", None, "PAPERDIGEST_FULLTEXT_MAX_MB",
            "Largest full-text download, in MB (default: 20 for HTML, 50 for PDFs).", None,
            _at_least(0, float)),
    Setting("contact", "", "PAPERDIGEST_CONTACT", "An e-mail address for the User-Agent."),
    Setting("input_budget", None, "PAPERDIGEST_INPUT_BUDGET",
            "Tokens of paper text given to the model (default: the backend's own).", None,
            _at_least(100, int)),
    Setting("load_plugins", None, "PAPERDIGEST_LOAD_PLUGINS",
            "Comma-separated outside plugins to load (default: all installed; empty: none)."),
    Setting("local_worker", True, "PAPERDIGEST_LOCAL_WORKER",
            "0: run the local model in the digest process (no protection from a native crash).",
            None, lambda text: text != "0"),
    Setting("local_timeout", 600.0, "PAPERDIGEST_LOCAL_TIMEOUT",
            "Seconds the local model's worker may go without progress before it is stopped.",
            None, _at_least(1, float)),
    Setting("site_url", None, "PAPERDIGEST_SITE_URL",
            "Where the static site is published (https://…): messages and e-mails link each "
            "paper to its page there.", "--site-url"),
    Setting("smtp_url", None, "PAPERDIGEST_SMTP_URL",
            "Mail server for `publish email`: smtps://[user@]host:port (TLS) or "
            "smtp://[user@]host:port (STARTTLS when offered).", "--smtp-url"),
    Setting("email_to", None, "PAPERDIGEST_EMAIL_TO",
            "Recipients of `publish email`, comma-separated.", "--to"),
    Setting("email_from", None, "PAPERDIGEST_EMAIL_FROM",
            "Sender address of the e-mail (default: the SMTP user, else paperdigest@<host>).",
            "--from"),
    Setting("smtp_password_env", None, "PAPERDIGEST_SMTP_PASSWORD_ENV",
            "Environment variable holding the SMTP password (sent only over TLS).",
            "--password-env"),
    Setting("smtp_cafile", None, "PAPERDIGEST_SMTP_CAFILE",
            "Extra CA certificates (PEM) to trust for the mail server, e.g. a private relay's."),
    Setting("smtp_timeout", 30.0, "PAPERDIGEST_SMTP_TIMEOUT",
            "Seconds to wait for the mail server at each step.", None, _at_least(1, float)),
    Setting("slack_webhook", None, "PAPERDIGEST_SLACK_WEBHOOK",
            "Slack incoming webhook URL for `daily --publish slack` (a secret: set it only in "
            "the environment)."),
    Setting("discord_webhook", None, "PAPERDIGEST_DISCORD_WEBHOOK",
            "Discord webhook URL for `daily --publish discord` (a secret: set it only in the "
            "environment)."),
    Setting("scorer", "auto", "PAPERDIGEST_SCORER",
            "Ranking with --profile: lexical (BM25, offline), embedding, or auto (embedding "
            "when an embeddings endpoint or GGUF model is set, else lexical).", "--scorer"),
    Setting("embed_url", None, "PAPERDIGEST_EMBED_URL",
            "OpenAI-compatible server for the embedding scorer, e.g. http://127.0.0.1:8080/v1."),
    Setting("embed_model", None, "PAPERDIGEST_EMBED_MODEL",
            "Embedding model name on that server."),
    Setting("embed_gguf", None, "PAPERDIGEST_EMBED_GGUF",
            "A local GGUF embedding model for the embedding scorer (needs the local extra)."),
    Setting("raise_errors", False, "PAPERDIGEST_RAISE_ERRORS",
            "1: show tracebacks instead of one-line errors.", None, lambda text: text == "1"),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    return BY_NAME[name]


def value(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """A setting's value from the environment, else its default."""
    return BY_NAME[name].from_env(environ)


@dataclass(frozen=True)
class Settings:
    """The settings of one application, resolved: given values over the environment over the
    defaults. ``Settings.load(db="x.db")`` is what :func:`paperdigest.app.open_app` takes."""

    values: Mapping[str, Any]

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **given: Any) -> Settings:
        unknown = sorted(set(given) - set(BY_NAME))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        values = {s.name: s.from_env(environ) for s in SETTINGS}
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(values)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        found = self.values.get(name)
        return default if found is None else found


def option_kwargs(name: str, **extra: Any) -> dict[str, Any]:
    """click.option keyword arguments for a setting: envvar, default, help."""
    s = BY_NAME[name]
    kwargs: dict[str, Any] = {"help": s.help}
    if s.env:
        kwargs["envvar"] = s.env
    if s.default is not None:
        kwargs["default"] = s.default
        kwargs["show_default"] = True
    kwargs.update(extra)
    return kwargs


def markdown_table() -> str:
    """The README's settings table."""
    rows = [
        "| setting | option | environment variable | default | what |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = "" if s.default in (None, "") else f"`{s.default}`"
        option = f"`{s.option}`" if s.option else ""
        env = f"`{s.env}`" if s.env else ""
        rows.append(f"| {s.name} | {option} | {env} | {default} | {s.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the README table
    print(markdown_table(), end="")
