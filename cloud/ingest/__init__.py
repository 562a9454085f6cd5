"""The ingester: MQTT messages in, durable rows out, acknowledged only after commit."""
