"""`txng cloud api`: serve the API with uvicorn."""

from typing import Any

import uvicorn

from cloud.api.http_protocol import BoundedHeadProtocol
from cloud.api.main import create_app
from cloud.api.workers import RestartPolicy, serve_workers
from cloud.settings import load_tree
from cloud.settings.api import ApiSettings
from plumbing.logs import configure_logging


def server_options(settings: ApiSettings) -> dict[str, Any]:
    """The server's limits: connections at once (503 beyond), request heads, idle keep-alive.

    Request heads are bounded in size and time by BoundedHeadProtocol, bodies by the
    application itself (cloud/api/body_limits.py) before any route runs.
    """
    return {
        "host": settings.api_host,
        "port": settings.api_port,
        "log_config": None,
        "limit_concurrency": settings.api_max_connections,
        "timeout_keep_alive": 5,
        "http": BoundedHeadProtocol,
        "server_header": False,
        # X-Forwarded-For names the client only behind these proxies (per-client limits)
        "forwarded_allow_ips": settings.api_forwarded_allow_ips,
    }


def api_command(*, restarts: RestartPolicy | None = None) -> int:
    """Run the API until interrupted (TXNG_API_WORKERS > 1: that many worker processes)."""
    settings = load_tree().api  # every section checked at start-up
    configure_logging(settings.log_level)
    if settings.api_workers > 1:  # each on its own SO_REUSEPORT socket (cloud/api/workers.py)
        options = server_options(settings)
        return serve_workers(settings.api_workers, options, settings.log_level, policy=restarts)
    uvicorn.run(create_app(settings), **server_options(settings))
    return 0
