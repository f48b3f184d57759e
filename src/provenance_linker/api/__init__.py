"""The REST API (component provenance-api): FastAPI app factory in app.py."""
