"""Models arrive with the proposals issue."""
