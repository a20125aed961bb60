"""Export jobs (filled in by the exports work)."""
