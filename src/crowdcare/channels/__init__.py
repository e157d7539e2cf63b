"""Channel adapters: one folder per channel (see docs/writing-a-channel.md)."""
