"""`txng portal-sim`: the simulator with its switches from flags and TXNG_PORTAL_SIM_* env."""

import argparse
import logging
import os

from pydantic import ValidationError

from cloud.portal_sim.faults import Faults
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, describe_validation_error, log_level

log = logging.getLogger(__name__)
_ENV_PREFIX = "TXNG_PORTAL_SIM_"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per fault switch (e.g. --error-rate 0.2), plus --host and --port."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    for name, info in Faults.model_fields.items():
        if name == "product_groups":
            parser.add_argument("--product-groups", help="comma-separated catalogue of groups")
            continue
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, help=info.description)


def faults_from(args: argparse.Namespace) -> Faults:
    """The switches: flags over TXNG_PORTAL_SIM_<NAME> over defaults (errors name the field)."""
    values: dict[str, object] = {}
    for name in Faults.model_fields:
        given = getattr(args, name, None) or os.environ.get(_ENV_PREFIX + name.upper())
        if given is None:
            continue
        values[name] = given.split(",") if name == "product_groups" else given
    try:
        return Faults.model_validate(values)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err, "portal-sim")) from err


def portal_sim_command(args: argparse.Namespace) -> int:
    """Run the simulator in the foreground."""
    configure_logging(log_level())
    from cloud.portal_sim.server import serve

    faults = faults_from(args)
    log.info("portal simulator on http://%s:%d", args.host, args.port, extra=faults.model_dump())
    serve(faults, host=args.host, port=args.port)
    return 0
