"""Byte-level protocols and parsers of real readers, free of I/O so they can be tested alone."""
