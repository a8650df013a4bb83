"""The built-in commands, registered as a plugin (see :mod:`paperdigest.plugins`). Each loads on
first use, so ``paperdigest digest`` does not import the web server, the site renderer or
pymupdf."""

from __future__ import annotations

from collections.abc import Callable

COMMANDS: dict[str, str] = {
    "digest": "paperdigest.cli.digest:digest",
    "backfill": "paperdigest.cli.ops:backfill",
    "daily": "paperdigest.cli.ops:daily",
    "status": "paperdigest.cli.ops:status",
    "check": "paperdigest.cli.check:check",
    "eval": "paperdigest.cli.check:eval_",
    "fulltext": "paperdigest.cli.fulltext:fulltext_command",
    "model": "paperdigest.cli.model:model_group",
    "site": "paperdigest.cli.site:site",
    "serve": "paperdigest.cli.serve:serve",
    "publish": "paperdigest.cli.publish:publish",
    "rank": "paperdigest.cli.rank:rank",
    "feedback": "paperdigest.cli.rank:feedback",
    "db": "paperdigest.cli.db:db_group",
}


def register_commands(register: Callable[..., None]) -> None:
    for name, target in COMMANDS.items():
        register(name, target)
