"""The Telegram channel (aiogram's Bot API client, our own update handling).

``convert`` turns an Update into the core's event, ``render`` turns the core's replies into
Bot API calls, ``delivery`` makes those calls (429 retries, 403 blocked users),
``processing`` joins them for one update, ``webhook`` and ``polling`` feed it, ``startup``
checks the token and registers commands and the webhook, ``channel`` wires it all.
"""
