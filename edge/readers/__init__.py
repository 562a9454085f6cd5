"""Readers: each turns one input (scanner, camera, RFID, sensor) into contract items."""
