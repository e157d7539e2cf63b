"""The generic API channel: a business posts inbound messages as JSON with a bearer token and
receives our outbound messages as signed HTTP callbacks (retried until acknowledged)."""
from crowdcare.channels.api.adapter import ApiChannelAdapter

adapter = ApiChannelAdapter()
