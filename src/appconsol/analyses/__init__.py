"""Python analysis steps: work SQL does badly (matching, similarity, optimisation, savings)."""
