"""Channel-agnostic conversation flows. No aiogram, no aiohttp, no channel code here."""
