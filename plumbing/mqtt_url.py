"""Parse broker URLs (mqtt://user:pass@host:port, mqtts:// for TLS) into typed endpoints."""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from plumbing.redact import redact
from plumbing.settings import ConfigError


@dataclass(frozen=True)
class MqttEndpoint:
    """Where a broker listens and how to log in."""

    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> "MqttEndpoint":
        """Parse `url`; raise ConfigError naming what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ConfigError(f"mqtt_url: scheme must be mqtt:// or mqtts://, got {redact(url)!r}")
        if not parts.hostname:
            raise ConfigError(f"mqtt_url: no host in {redact(url)!r}")
        tls = parts.scheme in ("mqtts", "ssl")
        try:
            port = parts.port or (8883 if tls else 1883)
        except ValueError as err:
            raise ConfigError(f"mqtt_url: bad port in {redact(url)!r}") from err
        return cls(
            host=parts.hostname,
            port=port,
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )
