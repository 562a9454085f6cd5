"""`txng users add` and `txng tokens create`."""

import io

from tests.support.sql import query
from txng.cli import main


def test_users_add_and_tokens_create(client, database_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    code = main(
        [
            "users",
            "add",
            "ana",
            "--role",
            "operator",
            "--site",
            "hy-longan",
            "--password-stdin",
            "--database-url",
            database_url,
        ]
    )
    assert code == 0
    assert (
        main(["tokens", "create", "ana", "--name", "laptop", "--database-url", database_url]) == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("txng_")
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"username": "ana", "role": "operator", "site": "hy-longan"}
    assert query(database_url, "SELECT password_hash LIKE 'scrypt$%%' FROM users")[0][0]


def test_operator_needs_a_site(database_url, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    code = main(
        [
            "users",
            "add",
            "bob",
            "--role",
            "operator",
            "--password-stdin",
            "--database-url",
            database_url,
        ]
    )
    assert code == 1


def test_token_for_unknown_user_fails(database_url):
    assert main(["tokens", "create", "nobody", "--database-url", database_url]) == 1
