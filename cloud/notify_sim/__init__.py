"""Local simulators of the services that reach people (SMTP, Telegram Bot API, Zalo OA API).

For tests and the demo: no network. Each records what it received and fails on request.
"""
