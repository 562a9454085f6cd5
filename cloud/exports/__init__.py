"""Downloadable exports of traceability data (spreadsheets)."""
