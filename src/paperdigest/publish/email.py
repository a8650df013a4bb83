"""A day's digest by e-mail: one multipart/alternative message (plain text and HTML) per address,
sent with the standard library's :mod:`smtplib`.

- ``smtps://host:port`` speaks TLS from the first byte (port 465 by default); ``smtp://host:port``
  (port 25 by default) upgrades with STARTTLS whenever the server offers it, and a certificate
  that does not verify is an error, never a silent fallback to plain text.
- A password (read from an environment variable, never from the URL) is only ever sent over TLS:
  a server that offers no TLS gets no password, and the run stops with one line. Without a user
  (a local relay) no login is tried and plain SMTP works.
- The password is never printed, logged or stored: error lines name the server and the user;
  any text a server sends back is cleaned of it before it is shown.
- Every step has a timeout (``PAPERDIGEST_SMTP_TIMEOUT``); ``PAPERDIGEST_SMTP_CAFILE`` adds CA
  certificates to trust (a private relay).
- The HTML has inline styles only (mail clients drop ``<style>`` and never run scripts) and no
  remote images (no tracking pixels, nothing blocked).

Each address a day was sent to is recorded in the store (:mod:`paperdigest.store.deliveries`):
publishing the same day to the same address again sends nothing unless forced.
"""

from __future__ import annotations

import email.utils
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import ConfigError, PublishError
from ..models import SECTION_LABELS
from ..render.json_day import Day, Entry
from ..render.pages import Pages, ui_strings
from ..render.provenance import Record
from ..untrusted import clean_text
from .chat import DEFAULT_TOP, day_url, paper_url, texts

if TYPE_CHECKING:
    from ..store import Store

CHANNEL = "email"
MAX_RECIPIENTS = 100
_ADDRESS_CHARS = 254


@dataclass(frozen=True)
class SmtpTarget:
    """A mail server from ``smtp[s]://[user@]host[:port]``."""

    tls: bool  # True: implicit TLS (smtps); False: STARTTLS when offered
    host: str
    port: int
    user: str | None

    @property
    def label(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("--smtp-url is not a valid URL (a bad port?)") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError("--smtp-url must start with smtps:// (TLS) or smtp:// (STARTTLS)")
    if parts.password is not None:
        raise ConfigError(
            "--smtp-url must not hold a password (it would show in `ps` and logs): "
            "pass --password-env VAR"
        )
    host = parts.hostname or ""
    if not host or any(c.isspace() for c in url) or parts.path not in ("", "/"):
        raise ConfigError("--smtp-url needs a host: smtp[s]://[user@]host:port")
    user = unquote(parts.username) if parts.username else None
    tls = parts.scheme == "smtps"
    return SmtpTarget(tls, host, port or (465 if tls else 25), user)


def parse_addresses(values: Sequence[str]) -> list[str]:
    """Addresses from ``--to`` values (each may be comma-separated), checked, each once."""
    found: list[str] = []
    for value in values:
        for raw in value.split(","):
            raw = raw.strip()
            if not raw:
                continue
            _, addr = email.utils.parseaddr(raw)
            local, at, domain = addr.rpartition("@")
            bad = any(c.isspace() or ord(c) < 32 or c in "<>,;\"'" for c in addr)
            if not at or not local or "." not in domain or bad or len(addr) > _ADDRESS_CHARS:
                raise ConfigError(f"not an e-mail address: {raw[:80]!r}")
            if addr.lower() not in (a.lower() for a in found):
                found.append(addr)
    if not found:
        raise ConfigError("no recipient: pass --to ADDRESS (or PAPERDIGEST_EMAIL_TO)")
    if len(found) > MAX_RECIPIENTS:
        raise ConfigError(f"at most {MAX_RECIPIENTS} recipients, got {len(found)}")
    return found


def paper_link(entry: Entry, lang: str, site_url: str | None) -> str:
    """The paper's page on the site when there is one, else its arXiv page."""
    return paper_url(entry, lang, site_url)


def day_link(day: Day, site_url: str | None) -> str | None:
    return day_url(day, site_url) if site_url else None


_EMAIL_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Daily Papers {day}: top {n} of {total}",
        "subject_empty": "Daily Papers {day}: no papers",
        "pdf": "PDF",
        "code": "Code",
        "page": "Paper page",
        "why": "Why flagged",
    },
    "ko": {
        "subject": "Daily Papers {day}: 상위 {n}편 (전체 {total}편)",
        "subject_empty": "Daily Papers {day}: 논문 없음",
        "pdf": "PDF",
        "code": "코드",
        "page": "논문 페이지",
        "why": "문제",
    },
}


def _t(lang: str) -> dict[str, str]:
    return {**texts(lang), **ui_strings(lang), **_EMAIL_TEXT.get(lang, _EMAIL_TEXT["en"])}


def subject(day: Day, top: int) -> str:
    t = _t(day.lang)
    n = min(top, len(day.entries))
    if not n:
        return t["subject_empty"].format(day=day.iso)
    return t["subject"].format(day=day.iso, n=n, total=len(day.entries))


def _links(entry: Entry, lang: str) -> list[tuple[str, str]]:
    from ..render.json_day import safe_url

    t = _t(lang)
    p = entry.paper
    links = [
        (f"arXiv {p.id}", entry.arxiv_url),
        (t["pdf"], entry.pdf_url),
        ("Hugging Face", entry.hf_url),
    ]
    if safe_url(p.github_url):
        links.append((t["code"], str(safe_url(p.github_url))))
    if safe_url(p.project_url):
        links.append((t["project"], str(safe_url(p.project_url))))
    return links


def text_body(day: Day, *, top: int, site_url: str | None) -> str:
    t = _t(day.lang)
    entries = day.entries[:top]
    out = [t["head"].format(day=day.iso), ""]
    if entries:
        out.append(t["sub"].format(n=len(entries), total=len(day.entries)))
    else:
        out.append(t["empty"].format(day=day.iso))
    link = day_link(day, site_url)
    if link:
        out.append(f"{t['site']}: {link}")
    for i, entry in enumerate(entries, 1):
        p = entry.paper
        out += ["", "=" * 72, f"{i}. {one(p.title)}", paper_link(entry, day.lang, site_url)]
        links = " · ".join(f"{k}: {v}" for k, v in _links(entry, day.lang))
        out.append(f"▲ {p.upvotes} · {links}")
        if p.authors:
            out.append(f"{t['authors']}: {authors(entry)}")
        out.append("")
        if entry.summary is None:
            out.append(t["no_summary"])
            continue
        for key, text in entry.summary.sections.items():
            out += [f"{SECTION_LABELS[key]}: {one(text)}", ""]
        if entry.record is not None:
            out.append(entry.record.line(day.lang))
    out += ["", "-- ", t["footer"]]
    return "\n".join(out) + "\n"


def one(text: str) -> str:
    return " ".join(clean_text(text).split())


def authors(entry: Entry, limit: int = 8) -> str:
    names = [one(a) for a in entry.paper.authors]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" +{len(names) - limit}"
    return ", ".join(names)


def html_body(day: Day, *, top: int, site_url: str | None, pages: Pages | None = None) -> str:
    pages = pages or Pages()
    entries = day.entries[:top]
    rows = []
    for entry in entries:
        record: Record | None = entry.record
        rows.append(
            {
                "e": entry,
                "link": paper_link(entry, day.lang, site_url),
                "links": _links(entry, day.lang),
                "authors": authors(entry),
                "record": record,
            }
        )
    return pages.fragment(
        "email.html",
        day=day,
        lang=day.lang,
        t=_t(day.lang),
        rows=rows,
        total=len(day.entries),
        day_link=day_link(day, site_url),
    )


def compose(
    day: Day, *, sender: str, to: str, top: int = DEFAULT_TOP, site_url: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(day, top)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = email.utils.formatdate(usegmt=True)
    domain = sender.rpartition("@")[2] or "paperdigest.invalid"
    msg["Message-ID"] = email.utils.make_msgid("paperdigest", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text_body(day, top=top, site_url=site_url))
    msg.add_alternative(html_body(day, top=top, site_url=site_url), subtype="html")
    return msg


def default_sender(target: SmtpTarget) -> str:
    if target.user and "@" in target.user:
        return target.user
    host = socket.gethostname().split(".")[0] or "localhost"
    return f"paperdigest@{host}.localdomain"


# -- sending ------------------------------------------------------------------------------------


def _tls_context(cafile: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if cafile:
        try:
            context.load_verify_locations(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load PAPERDIGEST_SMTP_CAFILE {cafile}: {exc}") from None
    return context


def _scrub(text: str, secret: str | None) -> str:
    text = " ".join(text.split())[:300]
    if secret:
        text = text.replace(secret, "***")
    return text


def _server_says(exc: smtplib.SMTPResponseException, secret: str | None) -> str:
    raw = exc.smtp_error
    said = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return f"{exc.smtp_code} {_scrub(said, secret)}".strip()


class Mailer:
    """One connection to the mail server: TLS as asked, login when there is a user."""

    def __init__(
        self,
        target: SmtpTarget,
        password: str | None,
        *,
        timeout: float = 30.0,
        cafile: str | None = None,
    ) -> None:
        if password and not target.user:
            raise ConfigError("a password needs a user: smtp[s]://USER@host:port")
        if target.user and not password:
            raise ConfigError(
                f"no password for {target.user}: pass --password-env VAR (or drop the user "
                "from --smtp-url for a relay without login)"
            )
        self.target = target
        self.password = password
        self.timeout = timeout
        self.context = _tls_context(cafile)
        self.smtp: smtplib.SMTP | None = None
        self.tls = False

    def __enter__(self) -> Mailer:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def _fail(self, what: str, exc: BaseException) -> PublishError:
        t = self.target
        if isinstance(exc, smtplib.SMTPResponseException):
            why = _server_says(exc, self.password)
        elif isinstance(exc, ssl.SSLCertVerificationError):
            detail = _scrub(exc.verify_message or str(exc), None)
            why = f"the server's certificate does not verify ({detail})"
        elif isinstance(exc, (TimeoutError, socket.timeout)):
            why = f"no answer within {self.timeout:g} s"
        elif isinstance(exc, OSError) and exc.strerror:
            why = exc.strerror
        else:
            why = _scrub(str(exc) or type(exc).__name__, self.password)
        self.close()
        return PublishError(f"{what} {t.host}:{t.port}: {why}")

    def connect(self) -> None:
        t = self.target
        try:
            if t.tls:
                self.smtp = smtplib.SMTP_SSL(
                    t.host, t.port, timeout=self.timeout, context=self.context
                )
                self.tls = True
            else:
                self.smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            if isinstance(exc, ssl.SSLError):
                raise self._fail("TLS with the mail server failed at", exc) from None
            raise self._fail("cannot reach the mail server at", exc) from None
        smtp = self.smtp
        try:
            smtp.ehlo()
            if not self.tls and smtp.has_extn("starttls"):
                smtp.starttls(context=self.context)
                smtp.ehlo()
                self.tls = True
        except ssl.SSLError as exc:
            raise self._fail("TLS (STARTTLS) with the mail server failed at", exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail("the mail server failed the greeting at", exc) from None
        if t.user:
            if not self.tls:
                self.close()
                raise PublishError(
                    f"the mail server {t.host}:{t.port} offers no TLS (no STARTTLS): the "
                    "password is not sent without it; use smtps:// or a server with STARTTLS"
                )
            assert self.password is not None
            try:
                smtp.login(t.user, self.password)
            except smtplib.SMTPAuthenticationError as exc:
                self.close()
                raise PublishError(
                    f"the mail server {t.host}:{t.port} refused the login of {t.user}: "
                    f"{_server_says(exc, self.password)}"
                ) from None
            except smtplib.SMTPNotSupportedError:
                self.close()
                raise PublishError(
                    f"the mail server {t.host}:{t.port} offers no login (AUTH): drop the user "
                    "from --smtp-url if it relays without one"
                ) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise self._fail("login failed at the mail server", exc) from None

    def send(self, msg: EmailMessage, sender: str, to: str) -> None:
        assert self.smtp is not None
        try:
            self.smtp.send_message(msg, from_addr=sender, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = "; ".join(
                f"{code} {_scrub(m.decode('utf-8', 'replace'), self.password)}"
                for code, m in exc.recipients.values()
            )
            raise PublishError(f"the mail server refused the recipient {to}: {codes}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail(f"sending to {to} failed at the mail server", exc) from None


# -- one day to many addresses -------------------------------------------------------------------


@dataclass
class EmailPlan:
    """Which addresses get the day now, and which already had it."""

    day: Day
    send: list[str]
    already: list[tuple[str, str]]  # (address, sent_at)


def plan(store: Store, day: Day, addresses: Sequence[str], *, force: bool) -> EmailPlan:
    from ..store.deliveries import delivered

    send: list[str] = []
    already: list[tuple[str, str]] = []
    for addr in addresses:
        when = delivered(store, day.day, day.lang, CHANNEL, addr.lower())
        if when is not None and not force:
            already.append((addr, when))
        else:
            send.append(addr)
    return EmailPlan(day, send, already)


def deliver(
    store: Store,
    email_plan: EmailPlan,
    mailer_factory: Callable[[], Mailer],
    *,
    sender: str,
    top: int,
    site_url: str | None,
) -> list[str]:
    """Send the day to each planned address on one connection, recording each as it is sent
    (a failure midway keeps the record of those before it). Returns the addresses sent to."""
    from ..store.deliveries import record_delivery

    day = email_plan.day
    sent: list[str] = []
    if not email_plan.send:
        return sent
    papers = min(top, len(day.entries))
    with mailer_factory() as mailer:
        for addr in email_plan.send:
            msg = compose(day, sender=sender, to=addr, top=top, site_url=site_url)
            mailer.send(msg, sender, addr)
            record_delivery(store, day.day, day.lang, CHANNEL, addr.lower(), papers)
            sent.append(addr)
    return sent


def preview(msg: EmailMessage) -> str:
    """The message as a person reads it (headers, then each part decoded): for --dry-run."""
    lines = [f"{name}: {msg[name]}" for name in ("From", "To", "Subject")]
    for part in msg.walk():
        if part.get_content_maintype() == "multipart":
            continue
        lines += ["", f"--- {part.get_content_type()} ---", str(part.get_content()).rstrip()]
    return "\n".join(lines) + "\n"


__all__ = [
    "CHANNEL",
    "EmailPlan",
    "Mailer",
    "SmtpTarget",
    "compose",
    "default_sender",
    "deliver",
    "html_body",
    "paper_link",
    "parse_addresses",
    "parse_smtp_url",
    "plan",
    "preview",
    "subject",
    "text_body",
]
