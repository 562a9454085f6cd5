"""No-data alarms about edge agents: an agent gone quiet, an outbox that keeps growing."""
