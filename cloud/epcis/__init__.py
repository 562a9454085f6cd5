"""GS1 EPCIS 2.0: our events as EPCIS JSON-LD, validation, and identifiers."""
