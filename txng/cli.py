"""The `txng` command: one subcommand per process (db migrate, cloud ingest, edge run, demo)."""

import argparse
import sys
from collections.abc import Callable, Sequence

from plumbing.redact import install_excepthook, redact
from plumbing.settings import ConfigError
from plumbing.version import VERSION as __version__

Handler = Callable[[argparse.Namespace], int]


def _db_migrate(args: argparse.Namespace) -> int:
    from cloud.db.commands import migrate_command
    from cloud.settings.common import required_database_url

    return migrate_command(database_url=required_database_url(args.database_url))


def _db_roles(args: argparse.Namespace) -> int:
    from cloud.db.commands import roles_command
    from cloud.settings.common import required_database_url
    from cloud.settings.roles import load_db_roles_settings

    passwords = load_db_roles_settings().passwords()
    url = required_database_url(args.database_url)
    return roles_command(database_url=url, prefix=args.prefix, passwords=passwords)


def _cloud_ingest(args: argparse.Namespace) -> int:
    from cloud.ingest.service import ingest_command

    return ingest_command()


def _cloud_api(args: argparse.Namespace) -> int:
    from cloud.api.command import api_command

    return api_command()


def _cloud_forward(args: argparse.Namespace) -> int:
    from cloud.forward.command import forward_command

    return forward_command()


def _portal_sim(args: argparse.Namespace) -> int:
    from cloud.portal_sim.command import portal_sim_command

    return portal_sim_command(args)


def _edge_run(args: argparse.Namespace) -> int:
    from edge.agent import run_command

    return int(run_command(args.config))


def _demo(args: argparse.Namespace) -> int:
    from txng.demo import demo_command

    return int(demo_command(duration_s=args.duration))


def _master_data_import(args: argparse.Namespace) -> int:
    from cloud.masterdata.command import import_command

    return import_command(args.kind, args.file, database_url_option=args.database_url)


def _notify_import(args: argparse.Namespace) -> int:
    from cloud.notify.command import notify_import_command

    return notify_import_command(args.file, database_url_option=args.database_url)


def _verify(args: argparse.Namespace) -> int:
    from cloud.trace.verify_command import verify_command

    return verify_command(
        site=args.site, links=args.link or (), database_url_option=args.database_url
    )


def _recall(args: argparse.Namespace) -> int:
    from cloud.trace.recall_command import recall_command

    return recall_command(
        args.kind,
        args.codes,
        site=args.site,
        csv_path=args.csv,
        max_hops=args.max_hops,
        database_url_option=args.database_url,
    )


def _forward_parked(args: argparse.Namespace) -> int:
    from cloud.forward.admin_command import parked_command

    return parked_command(destination=args.destination, database_url_option=args.database_url)


def _forward_requeue(args: argparse.Namespace) -> int:
    from cloud.forward.admin_command import requeue_command

    return requeue_command(
        destination=args.destination,
        missing_field=args.missing,
        database_url_option=args.database_url,
    )


def _devices_add(args: argparse.Namespace) -> int:
    from cloud.devices.command import devices_add_command

    return devices_add_command(
        args.site,
        args.device,
        password_out=args.password_out,
        database_url=args.database_url,
    )


def _broker_account(args: argparse.Namespace) -> int:
    from cloud.broker.command import broker_account_command

    return broker_account_command(
        args.role,
        username=args.username,
        password_out=args.password_out,
        password_env=args.password_env,
        client_id=args.client_id,
    )


def _broker_init(args: argparse.Namespace) -> int:
    from cloud.broker.command import broker_init_command

    return broker_init_command(
        args.config_file, admin_password_env=args.admin_password_env, accounts=args.account
    )


def _add_security(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`txng devices add`, `txng broker init` and `txng broker account`: broker accounts."""
    devices = groups.add_parser("devices", help="edge devices").add_subparsers(
        dest="command", required=True
    )
    add = devices.add_parser(
        "add", help="approve a device; its broker account with a new secret (printed once)"
    )
    add.add_argument("site")
    add.add_argument("device")
    add.add_argument("--password-out", help="write the new secret to this file (0600)")
    add.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    add.set_defaults(handler=_devices_add)
    broker = groups.add_parser(
        "broker", help="MQTT broker accounts (Mosquitto dynamic security; TXNG_BROKER_ADMIN_URL)"
    ).add_subparsers(dest="command", required=True)
    init = broker.add_parser(
        "init", help="write the first dynamic-security file (admin, services) unless it exists"
    )
    init.add_argument("config_file")
    init.add_argument(
        "--admin-password-env", required=True, help="variable holding the admin's password"
    )
    init.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ROLE=ENV",
        help="a service account (ingest, api, forward) with the password in variable ENV",
    )
    init.set_defaults(handler=_broker_init)
    account = broker.add_parser("account", help="a cloud service's broker account, set live")
    account.add_argument("role", choices=("ingest", "api", "forward"))
    account.add_argument("--username", help="default: txng-ROLE")
    account.add_argument("--password-out", help="write the new password to this file (0600)")
    account.add_argument("--password-env", help="use this environment variable's value")
    account.add_argument("--client-id", help="bind the account to this one client id")
    account.set_defaults(handler=_broker_account)


def _add_master_data(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`txng KIND import FILE.csv` per master-data kind, `txng items commission FILE.csv`."""
    for kind, verb in (
        ("products", "import"),
        ("batches", "import"),
        ("profiles", "import"),
        ("groups", "import"),
        ("sites", "import"),
        ("locations", "import"),
        ("sensors", "import"),
        ("certificates", "import"),
        ("photos", "import"),
        ("items", "commission"),
    ):
        sub = groups.add_parser(kind, help=f"master data: {kind}").add_subparsers(
            dest="command", required=True
        )
        command = sub.add_parser(verb, help=f"{verb} {kind} from a CSV file (upsert)")
        command.add_argument("file", help="CSV file with a header row (see examples/master_data/)")
        command.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
        command.set_defaults(handler=_master_data_import, kind=kind)
    verify = groups.add_parser("verify", help="check the hash chain over stored events")
    verify.add_argument("--site", help="only this site")
    verify.add_argument(
        "--link",
        action="append",
        metavar="POSITION:HASH",
        help="also check that this link still has this hash (a report's reference; repeatable)",
    )
    verify.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    verify.set_defaults(handler=_verify)
    recall = groups.add_parser(
        "recall", help="what a recall concerns: batches, units, shipments, receivers, places"
    )
    recall.add_argument("kind", choices=("batch", "sscc", "serial"), help="what it starts from")
    recall.add_argument("codes", nargs="+", help="GTIN LOT | SSCC | GTIN SERIAL")
    recall.add_argument("--site", help="as this site's operator sees it (default: every site)")
    recall.add_argument("--csv", help="also write the recall notice's CSV here (- : only CSV)")
    recall.add_argument("--max-hops", type=int, default=10, help="steps to follow (default 10)")
    recall.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    recall.set_defaults(handler=_recall)
    forward = groups.add_parser("forward", help="forwarding outbox: parked items").add_subparsers(
        dest="command", required=True
    )
    parked = forward.add_parser("parked", help="list the items a destination holds back")
    requeue = forward.add_parser("requeue", help="send parked items again (after a fix)")
    requeue.add_argument("--missing", help="only the items that lacked this field")
    for command, handler in ((parked, _forward_parked), (requeue, _forward_requeue)):
        command.add_argument(
            "--destination",
            default="national-portal",
            help="destination name (default: %(default)s)",
        )
        command.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
        command.set_defaults(handler=handler)


def _portal_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulator's flags (its fault switches), declared next to them."""
    from cloud.portal_sim.command import add_arguments

    add_arguments(parser)


def _add_reports(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from cloud.reports.cli_args import add_report_commands

    add_report_commands(groups)


def _add_users(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from cloud.auth.cli_args import add_user_commands

    add_user_commands(groups)


def _add_labels(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from cloud.labels.cli_args import add_arguments

    add_arguments(groups)


def _version(args: argparse.Namespace) -> int:
    print(f"txng {__version__}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="txng", description="txng: trace the origin")
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="database administration").add_subparsers(
        dest="command", required=True
    )
    migrate = db.add_parser("migrate", help="apply pending schema migrations")
    migrate.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    migrate.set_defaults(handler=_db_migrate)
    roles = db.add_parser(
        "roles", help="create or update each service's least-privilege role (idempotent)"
    )
    roles.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    roles.add_argument("--prefix", default="txng", help="roles PREFIX_ingest, _api, _forward")
    roles.set_defaults(handler=_db_roles)

    cloud = groups.add_parser("cloud", help="cloud processes").add_subparsers(
        dest="command", required=True
    )
    cloud.add_parser("ingest", help="MQTT → database ingester").set_defaults(handler=_cloud_ingest)
    cloud.add_parser("api", help="HTTP API and web UI").set_defaults(handler=_cloud_api)
    cloud.add_parser("forward", help="outbox → national portal / EPCIS").set_defaults(
        handler=_cloud_forward
    )
    sim = groups.add_parser("portal-sim", help="a local national-portal and EPCIS simulator")
    _portal_sim_arguments(sim)
    sim.set_defaults(handler=_portal_sim)

    edge = groups.add_parser("edge", help="edge agent").add_subparsers(
        dest="command", required=True
    )
    run = edge.add_parser("run", help="run the edge agent with a device config file")
    run.add_argument("config", help="YAML device config (see firmware_configs/)")
    run.set_defaults(handler=_edge_run)

    demo = groups.add_parser("demo", help="a longan season through the whole pipeline")
    demo.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop N seconds after the story is told (default: run until Ctrl-C)",
    )
    demo.set_defaults(handler=_demo)

    _add_master_data(groups)
    _add_security(groups)
    _add_users(groups)
    _add_reports(groups)
    notify = groups.add_parser("notify", help="who alerts reach").add_subparsers(
        dest="command", required=True
    )
    recipients = notify.add_parser(
        "import", help="sites' escalation policy and recipients from a YAML file (replaces them)"
    )
    recipients.add_argument("file", help="YAML recipients file (see examples/notify.yaml)")
    recipients.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    recipients.set_defaults(handler=_notify_import)
    _add_labels(groups)
    groups.add_parser("version", help="print the version").set_defaults(handler=_version)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `txng` console script."""
    install_excepthook()  # a crash's traceback never shows a password from a URL
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as err:
        print(f"txng: configuration error:\n{redact(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
