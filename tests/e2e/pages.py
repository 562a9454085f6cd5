"""What the browser tests do on txng's pages more than once."""


def log_in(page, base: str, username: str, password: str) -> None:
    """Log in through the login form and wait for the dashboard."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
