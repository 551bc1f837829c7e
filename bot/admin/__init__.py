"""The officials' admin web: server-rendered pages under ``/admin/`` on the one aiohttp
server, over the same civic rules the chat uses. Each module brings its own views
(``bot.admin.contract``); this package holds sign-in, the guard every page goes through,
the dashboard frame, the audit log and the accounts."""
