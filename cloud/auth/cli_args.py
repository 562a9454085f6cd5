"""The `txng users add` and `txng tokens create` subcommands (imports nothing heavy)."""

import argparse


def _users_add(args: argparse.Namespace) -> int:
    from cloud.auth.command import users_add_command

    return users_add_command(
        username=args.username,
        role=args.role,
        site=args.site,
        password_stdin=args.password_stdin,
        database_url=args.database_url,
    )


def _tokens_create(args: argparse.Namespace) -> int:
    from cloud.auth.command import tokens_create_command

    return tokens_create_command(
        username=args.username, name=args.name, days=args.days, database_url=args.database_url
    )


def add_user_commands(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `users add` and `tokens create` to the `txng` parser."""
    users = groups.add_parser("users", help="API and web UI users").add_subparsers(
        dest="command", required=True
    )
    add = users.add_parser("add", help="add or update a user (password: prompt or stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("admin", "operator", "inspector"))
    add.add_argument("--site", help="the operator's site (operators only)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    add.set_defaults(handler=_users_add)

    tokens = groups.add_parser("tokens", help="API tokens").add_subparsers(
        dest="command", required=True
    )
    create = tokens.add_parser("create", help="create an API token (printed once, kept hashed)")
    create.add_argument("username")
    create.add_argument("--name", default="cli", help="what the token is for")
    create.add_argument("--days", type=float, help="expires after this many days")
    create.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
    create.set_defaults(handler=_tokens_create)
