"""Broker security: Mosquitto password-file entries and ACLs for devices and services."""
