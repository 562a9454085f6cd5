"""Cold chain: profiles, excursions by event time, MKT, silent probes, and the alerts they raise."""
