"""The only code that writes domain state. check_x validates and authorises; do_x writes,
assuming valid input, and emits events that are published after commit."""


class ActionError(Exception):
    """A refusal the caller can show: HTTP status plus a readable reason."""

    status = 400

    def __init__(self, reason: str, status: int | None = None, field: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field
        if status is not None:
            self.status = status


class NotFound(ActionError):
    status = 404


class Conflict(ActionError):
    status = 409


class Invalid(ActionError):
    status = 422
