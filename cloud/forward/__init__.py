"""Forwarding to the national portal and EPCIS repositories: outbox, forwarder, adapters."""
