"""Cloud side: ingestion, storage, API and forwarding."""
