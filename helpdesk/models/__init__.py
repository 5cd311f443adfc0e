"""The kernel's data model, split by sub-domain."""

from .agents import AgentProfile, Presence
from .assist import BotRating, CannedReply
from .attachments import Attachment
from .audit import AuditAction, AuditEntry
from .conversations import COLLECTED_FIELDS, Channel, Conversation, ConversationStatus, Priority, Sentiment
from .customers import Customer, CustomerTier
from .events import ConversationEvent, EventKind
from .kb import (
    AnswerOutcome,
    Article,
    ArticlePassage,
    ArticleStatus,
    ArticleVersion,
    KnowledgeAnswer,
    KnowledgeBaseSettings,
    KnowledgeGap,
)
from .messages import CsatResponse, Message, Sender
from .orders import Order, OrderStatus
from .outbox import OutboundEmail, OutboxStatus
from .queues import Queue
from .tickets import Ticket, TicketEvent, TicketEventKind, TicketStatus

__all__ = [
    "AgentProfile",
    "AnswerOutcome",
    "Article",
    "ArticlePassage",
    "KnowledgeAnswer",
    "KnowledgeBaseSettings",
    "Attachment",
    "AuditAction",
    "AuditEntry",
    "ArticleStatus",
    "ArticleVersion",
    "KnowledgeGap",
    "BotRating",
    "CannedReply",
    "Order",
    "OrderStatus",
    "OutboundEmail",
    "OutboxStatus",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "ConversationStatus",
    "CsatResponse",
    "Customer",
    "CustomerTier",
    "EventKind",
    "Message",
    "Presence",
    "Priority",
    "COLLECTED_FIELDS",
    "Queue",
    "Sender",
    "Sentiment",
    "Ticket",
    "TicketEvent",
    "TicketEventKind",
    "TicketStatus",
]
