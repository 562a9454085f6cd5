"""A local simulator of the national portal (and an EPCIS capture endpoint) with faults."""
