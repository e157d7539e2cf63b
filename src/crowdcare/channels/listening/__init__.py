"""Social listening: mentions exported by any listening tool (X, Instagram, TikTok, Reddit,
news...), imported with `crowdcare mentions import` or `POST /api/v1/mentions`, or pushed to
this channel's webhook. See docs/channels/listening.md."""
from crowdcare.channels.listening.adapter import ListeningAdapter

adapter = ListeningAdapter()
