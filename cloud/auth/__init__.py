"""Users, roles, API tokens, browser sessions and device secrets."""
