"""Cold-chain reports: a batch's, a stay's or a shipment's evidence as PDF, XLSX or CSV."""
