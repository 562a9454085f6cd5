"""Master data: products, batches, profiles, groups, locations and serials, from CSV files."""
