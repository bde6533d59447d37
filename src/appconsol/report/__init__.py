"""Outputs: workbooks and machine-readable reports built from the store."""
