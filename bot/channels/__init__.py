"""Channels translate platform events into ``IncomingEvent`` and render ``Reply`` back."""
