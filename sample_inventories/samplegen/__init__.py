"""Builds the Wessex Partnership sample inventories; run `python sample_inventories/make_samples.py`."""
