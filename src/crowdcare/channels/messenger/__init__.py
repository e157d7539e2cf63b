"""Facebook Messenger: page webhooks (messages, echoes, postbacks, referrals, receipts, opt-ins,
handover, standby, feed comments), the Send API, the handover protocol and the Messenger
Profile. `fake_graph.py` is a local Graph API for tests and the demo."""
from crowdcare.channels.messenger.adapter import MessengerAdapter

adapter = MessengerAdapter()
