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


def owned(session, model, row_id: int, workspace_id: int, what: str):
    """The workspace's row, or NotFound: another workspace's row is as invisible as a
    missing one (404, never 403)."""
    row = session.get(model, row_id)
    if row is None or row.workspace_id != workspace_id:
        raise NotFound(f"{what} {row_id} not found")
    return row
