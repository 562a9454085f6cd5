"""All SQL of txng: connection pool, migrations and the queries other modules call."""
