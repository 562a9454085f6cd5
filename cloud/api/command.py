"""`txng cloud api`: serve the API with uvicorn."""

import uvicorn

from cloud.api.main import create_app
from cloud.api.settings import load_api_settings
from plumbing.logs import configure_logging


def api_command() -> int:
    """Run the API until interrupted (TXNG_API_WORKERS > 1: that many worker processes)."""
    settings = load_api_settings()
    configure_logging(settings.log_level)
    if settings.api_workers > 1:
        uvicorn.run(
            "cloud.api.main:app_from_environment",
            factory=True,
            workers=settings.api_workers,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
        )
        return 0
    uvicorn.run(
        create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None
    )
    return 0
