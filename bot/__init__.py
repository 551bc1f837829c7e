"""Entry points and wiring: command line, settings, the HTTP server and the channels."""
