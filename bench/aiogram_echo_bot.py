"""A bare aiogram echo bot behind a webhook: the baseline of bench/webhook_telegram.py.

    .venv/bin/python bench/aiogram_echo_bot.py --port P --api-url URL --token T --secret S
        [--in-background]

aiogram's own recipe and nothing else: a ``Dispatcher`` with one ``Router`` whose one
message handler sends the text back (``await message.answer(message.text)``: a real
``sendMessage`` to the Bot API at ``--api-url``), served by aiogram's
``SimpleRequestHandler`` at ``POST /webhooks/telegram`` (``X-Telegram-Bot-Api-Secret-Token``
checked) and ``setup_application``.

How the webhook answers Telegram is the one choice left open:

- ``--in-background``: ``handle_in_background=True``, aiogram's default for
  ``SimpleRequestHandler``, so the bot as its users run it. The webhook reads the update,
  starts the handler in an ``asyncio`` task and answers 200 (``{}``) at once; the echo's
  ``sendMessage`` follows from that task, after the 200 or before it.
- without it: ``handle_in_background=False``, the way our own webhook answers. The 200
  comes only once the handler is done, so a 200 means the echo was delivered.

Either way the echo is a separate ``sendMessage`` request, so bench/webhook_telegram.py
times each update until the echo reaches its Bot API double, and frees the update's slot
only when both the 200 and the echo have come. ``GET /healthz`` says it listens. It
listens on 127.0.0.1 only and stops on SIGTERM/SIGINT. No database, no state: the ceiling
a Telegram bot in this process model can reach.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

PATH = "/webhooks/telegram"
HOST = "127.0.0.1"

router = Router(name="echo")


@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "…")


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(api_url: str, token: str, secret: str, in_background: bool) -> web.Application:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    bot = Bot(token, session=session)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    handler = SimpleRequestHandler(
        dispatcher, bot, handle_in_background=in_background, secret_token=secret
    )
    handler.register(app, path=PATH)
    setup_application(app, dispatcher, bot=bot)
    return app


async def serve(args: argparse.Namespace) -> int:
    app = build_app(args.api_url, args.token, args.secret, args.in_background)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, HOST, args.port).start()
        print(
            f"echo bot on http://{HOST}:{args.port}{PATH}"
            f" (handle_in_background={args.in_background})",
            flush=True,
        )
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True, help="the Bot API server (the double)")
    parser.add_argument("--token", required=True)
    parser.add_argument("--secret", required=True, help="X-Telegram-Bot-Api-Secret-Token")
    parser.add_argument(
        "--in-background",
        action="store_true",
        help="handle_in_background=True, aiogram's default: answer 200 at once and run the "
        "handler in a background task (without it: answer once the echo is sent)",
    )
    return asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
