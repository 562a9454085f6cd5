"""The value types the storage layer reads and writes, one module an aggregate."""
