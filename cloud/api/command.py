"""`txng cloud api`: serve the API with uvicorn."""

import uvicorn

from cloud.api.main import create_app
from cloud.api.settings import load_api_settings
from txng.logs import configure_logging


def api_command() -> int:
    """Run the API until interrupted."""
    settings = load_api_settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None
    )
    return 0
