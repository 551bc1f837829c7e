"""The Viber channel, on our own thin async client of Viber's REST bot API.

Modules, one job each:

- ``client``: the REST calls (``set_webhook``, ``get_account_info``, ``send_message``),
  limits, typed errors (``errors``) and bounded retries; shapes in ``models``.
- ``webhook``: ``POST /webhooks/viber`` (size limit, signature (``signature``) before
  parsing, status codes); callback shapes in ``callbacks``.
- ``incoming`` / ``render``: Viber messages to the core's events, its replies to Viber
  messages and keyboards; ``delivery`` sends them.
- ``channel``: wiring for ``vzayemodiia serve`` (start-up checks, webhook registration,
  what each callback does).
"""
