"""Reading inventories: sniff, read, find the header, map, normalise, prepare for the store."""
