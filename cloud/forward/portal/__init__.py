"""The national traceability portal: mapping, token, client, and the adapter (glue)."""
