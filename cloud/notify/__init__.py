"""Alert notifications: drain the outbox to the MQTT alert topic and to webhooks."""
