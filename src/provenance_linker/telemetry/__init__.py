"""Metrics and logs: every metric name in metrics.py, every log event name in events.py."""
