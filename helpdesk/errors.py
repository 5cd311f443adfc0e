from __future__ import annotations


class ServiceError(Exception):
    """A refused action, with a stable machine-readable code (it becomes an `error` frame or a
    4xx answer) and a sentence for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class PermissionDenied(ServiceError):
    def __init__(self, detail: str = "You may not do that with this conversation.") -> None:
        super().__init__("forbidden", detail)


class NotFound(ServiceError):
    def __init__(self, detail: str = "No such conversation.") -> None:
        super().__init__("not_found", detail)


class Unavailable(ServiceError):
    """The database did not answer (down, restarting, refusing connections). Nothing of the
    action was kept, or, if the failure came at commit, a retry with the same `client_msg_id`
    is recognised; either way the client sends it again."""

    def __init__(self) -> None:
        super().__init__("unavailable", "The desk could not save that just now. Please send it again in a moment.")
