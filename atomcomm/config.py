"""Settings from ``atomcomm.toml`` in the workspace folder, overridable by ``ATOMCOMM_*`` variables.

Every key is optional: with no file at all the demo defaults apply (SQLite at ``data/demo.sqlite``,
``templates/``, a capture mailbox, the fake SMS gateway).

Environment overrides address a nested key with double underscores after the ``ATOMCOMM_`` prefix,
e.g. ``ATOMCOMM_DATABASE__URL`` or ``ATOMCOMM_MAILBOXES__COMPANY__HOST``. Two short aliases exist
because they are used most: ``ATOMCOMM_DATABASE_URL`` and ``ATOMCOMM_TEMPLATES_PATH``.

Secrets are never values in the file: a credential is a reference, ``env:NAME`` or
``keyring:SERVICE/USER``, resolved at the moment of use by :func:`resolve_secret`.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atomcomm.errors import ConfigError, CredentialError

CONFIG_FILE = "atomcomm.toml"
ENV_PREFIX = "ATOMCOMM_"
_ALIASES = {
    "ATOMCOMM_DATABASE_URL": ("database", "url"),
    "ATOMCOMM_TEMPLATES_PATH": ("templates", "path"),
}

DEFAULTS: dict[str, Any] = {
    "database": {"url": "sqlite:///data/demo.sqlite", "echo": False},
    "templates": {"path": "templates"},
    "data": {"path": "data"},
    "attachments": {"max_total_bytes": 10 * 1024 * 1024},
    "mailboxes": {
        "company": {
            "name": "Atom Sp. z o.o.",
            "address": "biuro@atom.example.pl",
            "transport": "capture",
            "per_minute": 600,
            "per_day": 20000,
            "connections": 4,
        },
        "users": {},
    },
    "sms": {"gateway": "fake-smsapi", "sender": "name:ATOM", "users": {}},
}


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _coerce(text: str) -> Any:
    """Read an environment value as TOML when it parses as a scalar/array, else as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if name in _ALIASES:
            path: tuple[str, ...] = _ALIASES[name]
        elif name.startswith(ENV_PREFIX) and "__" in name:
            path = tuple(p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p)
        else:
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = _coerce(value)
    return out


@dataclass(frozen=True)
class Config:
    """Resolved settings of one workspace.

    Attributes:
        root: the workspace folder; relative paths in the settings are relative to it.
        raw: the merged settings (defaults < atomcomm.toml < environment) as nested dicts.
        source: the configuration file that was read, or None when only defaults apply.
    """

    root: Path
    raw: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @classmethod
    def load(cls, root: str | os.PathLike[str] = ".", environ: Mapping[str, str] | None = None) -> Config:
        """Read ``atomcomm.toml`` from ``root`` (if present) and apply ``ATOMCOMM_*`` overrides."""
        root_path = Path(root).resolve()
        if not root_path.is_dir():
            raise ConfigError(f"workspace folder {root_path} does not exist")
        environ = os.environ if environ is None else environ
        merged = copy.deepcopy(DEFAULTS)
        source: Path | None = None
        file = root_path / CONFIG_FILE
        if "ATOMCOMM_CONFIG" in environ:
            file = Path(environ["ATOMCOMM_CONFIG"])
            if not file.is_file():
                raise ConfigError(f"ATOMCOMM_CONFIG points to {file}, which does not exist")
        if file.is_file():
            try:
                merged = _merge(merged, tomllib.loads(file.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
                raise ConfigError(f"{file}: not valid TOML: {err}") from err
            source = file
        merged = _merge(merged, _env_overrides(environ))
        return cls(root=root_path, raw=merged, source=source)

    def section(self, *path: str) -> dict[str, Any]:
        """The settings under a dotted path, e.g. ``section("mailboxes", "company")``; {} when absent."""
        node: Any = self.raw
        for part in path:
            if not isinstance(node, Mapping) or part not in node:
                return {}
            node = node[part]
        if not isinstance(node, Mapping):
            raise ConfigError(f"[{'.'.join(path)}] must be a table in {CONFIG_FILE}, found {node!r}")
        return dict(node)

    def resolve_path(self, value: str | os.PathLike[str]) -> Path:
        """A path from the settings, relative to the workspace folder unless absolute."""
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL; a relative SQLite file path is made relative to the workspace folder."""
        url = str(self.section("database").get("url") or DEFAULTS["database"]["url"])
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve_path(url[len(prefix) :]))
        return url

    @property
    def templates_path(self) -> Path:
        return self.resolve_path(self.section("templates").get("path", "templates"))

    @property
    def data_path(self) -> Path:
        return self.resolve_path(self.section("data").get("path", "data"))


def resolve_secret(reference: str | None, *, what: str = "secret") -> str | None:
    """Turn a credential reference into the secret it names.

    Args:
        reference: ``env:NAME``, ``keyring:SERVICE/USER`` or None/"" (no credential).
        what: words for error messages, e.g. "password of mailbox 'company'".

    Raises:
        CredentialError: the reference is malformed, a literal value, or cannot be resolved.
    """
    if not reference:
        return None
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name)
        if value is None:
            raise CredentialError(f"{what}: environment variable {name} is not set")
        return value
    if reference.startswith("keyring:"):
        service, sep, user = reference[8:].partition("/")
        if not sep or not service or not user:
            raise CredentialError(f"{what}: keyring reference must look like keyring:SERVICE/USER")
        try:
            import keyring
            import keyring.errors

            value = keyring.get_password(service, user)
        except Exception as err:  # keyring backends raise many unrelated types
            raise CredentialError(f"{what}: keyring lookup {service}/{user} failed: {err}") from err
        if value is None:
            raise CredentialError(f"{what}: no keyring entry for {service}/{user}")
        return value
    raise CredentialError(
        f"{what}: secrets are references, not values; write env:VARIABLE or keyring:SERVICE/USER"
    )
