"""Data sources, one package each (Telegraf style): its client, its metric table, its docs and tests."""
