"""Batches: master data, presence at locations, packing into logistic units, linking."""
