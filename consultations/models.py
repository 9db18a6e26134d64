"""Models arrive with the consultations issue."""
