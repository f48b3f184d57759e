"""The explorer: server-rendered pages under /ui (see docs/explorer.md)."""
