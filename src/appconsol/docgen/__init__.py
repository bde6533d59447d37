"""Generated documentation: docs/schema.md, docs/rules.md and the method pages, from the code."""
