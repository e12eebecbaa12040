"""The collector runtime: scheduling, the durable write pipeline, health and shutdown (see service.py)."""
