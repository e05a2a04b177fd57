"""One module per transformation."""
