"""Edge agent: readers, durable outbox and MQTT publisher running on a Raspberry Pi."""
