"""password_reset: ask for the account email and send reset instructions through Django's
email backend. The answer is the same whether or not an account exists."""

from __future__ import annotations

import re

from .base import TALK_TO_PERSON, Context, Turn

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SENT = (
    "If there's an account for {email}, a reset link is on its way — it's valid for an hour. "
    "Check your spam folder if it hasn't arrived in a few minutes."
)


def start(ctx: Context) -> Turn:
    found = EMAIL.search(ctx.text)
    if found:
        return _send(ctx, found.group(0).lower())
    return Turn(
        reply="I can help with that. What's the email address on your account?",
        step="ask_email",
        options=[TALK_TO_PERSON],
    )


def resume(ctx: Context) -> Turn:
    found = EMAIL.search(ctx.text)
    if found:
        return _send(ctx, found.group(0).lower())
    if ctx.intent not in ("password_reset", "out_of_scope"):
        return Turn(consumed=False)
    if ctx.tries >= 1:
        return Turn(
            reply="I still need an email address to send the link to. A person can help you instead.",
            handoff=("General", "bot_failure"),
        )
    return Turn(
        reply="That doesn't look like an email address. Could you type it again?",
        step="ask_email",
        tries=ctx.tries + 1,
        options=[TALK_TO_PERSON],
    )


def _send(ctx: Context, email: str) -> Turn:
    if ctx.send_reset_email:
        ctx.send_reset_email(email)
    return Turn(
        reply=SENT.format(email=email),
        collected={"email": email},
        options=[{"label": "That's all, thanks", "value": "thanks"}],
    )
