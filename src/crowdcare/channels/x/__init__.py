"""X (Twitter): Account Activity webhooks in (mentions, replies, direct messages), public
replies and direct messages out through the X API v2. See docs/channels/x.md."""
from crowdcare.channels.x.adapter import XAdapter

adapter = XAdapter()
