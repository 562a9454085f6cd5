"""Labels: GS1 element strings, Digital Link QR, DataMatrix, GS1-128, sheets, ZPL and serials."""
