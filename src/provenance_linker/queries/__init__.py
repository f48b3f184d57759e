"""Read-side questions over the graph; each returns plain JSON-able data."""
