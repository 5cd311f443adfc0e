"""The knowledge base in the admin: articles with their review cycle and content performance,
the answers the bot gave, the gaps it found, and where it answers (the thresholds and their
trade-off)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .admin_a11y import ListLabelsMixin
from .admin_audit import AuditedAdminMixin
from .forms_kb import ArticleForm
from .models import AnswerOutcome, Article, ArticleVersion, KnowledgeAnswer, KnowledgeBaseSettings, KnowledgeGap
from .selectors.kb import Performance, article_performance
from .services.kb import article_changed, gap_draft_article, kb_index_bump


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue (not served)"), ("soon", "Due within 7 days"), ("ok", "Up to date")]

    def queryset(self, request, queryset):
        from datetime import timedelta

        if not self.value():
            return queryset
        now = timezone.now()
        ids = []
        for article in queryset:
            due = article.review_due_at
            state = "overdue" if due is None or due <= now else "soon" if due <= now + timedelta(days=7) else "ok"
            if state == self.value():
                ids.append(article.pk)
        return queryset.filter(pk__in=ids)


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["edited_at", "edited_by", "title", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "status",
        "owner_team",
        "owner",
        "review_due",
        "served",
        "helped",
        "not_helped",
        "handed_off",
        "last_served",
    ]
    list_filter = [ReviewStateFilter, "status", "owner_team"]
    search_fields = ["title", "body"]
    actions = ["mark_reviewed"]
    inlines = [VersionInline]
    form = ArticleForm

    class Media:
        css = {"all": ["css/admin/kb.css"]}

    # A help-centre address typed without a scheme is https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # The counters are the bot's record, never typed in: content performance reads them.
    readonly_fields = ["review_due", "performance", "times_served", "times_helped", "times_not_helped"]
    fieldsets = [
        (None, {"fields": ["title", "body", "url", "status"]}),
        ("What it answers", {"fields": ["intents", "steps"]}),
        (
            "Owners and review",
            {"fields": ["owner_team", "owner", "review_interval_days", "last_reviewed_at", "review_due"]},
        ),
        ("Content performance", {"fields": ["performance", "times_served", "times_helped", "times_not_helped"]}),
    ]

    def get_queryset(self, request):
        # Content performance in the list's own query: one join, each figure a filtered count.
        answer = Q(answers__kind="answer")
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_served=Count("answers", filter=answer),
                n_helped=Count("answers", filter=Q(answers__outcome=AnswerOutcome.HELPED)),
                n_not_helped=Count("answers", filter=Q(answers__outcome=AnswerOutcome.NOT_HELPED)),
                n_handed_off=Count("answers", filter=Q(answers__outcome=AnswerOutcome.HANDED_OFF)),
                n_last_served=Max("answers__created_at", filter=answer),
            )
        )

    @admin.display(description="served", ordering="n_served")
    def served(self, article: Article) -> int:
        return article.n_served

    @admin.display(description="helped", ordering="n_helped")
    def helped(self, article: Article) -> int:
        return article.n_helped

    @admin.display(description="didn't help", ordering="n_not_helped")
    def not_helped(self, article: Article) -> int:
        return article.n_not_helped

    @admin.display(description="person after", ordering="n_handed_off")
    def handed_off(self, article: Article) -> int:
        return article.n_handed_off

    @admin.display(description="last served", ordering="n_last_served")
    def last_served(self, article: Article) -> str:
        return f"{article.n_last_served:%Y-%m-%d %H:%M}" if article.n_last_served else "never"

    @admin.display(description="content performance")
    def performance(self, article: Article) -> str:
        p = article_performance([article.pk]).get(article.pk, Performance()) if article.pk else Performance()
        rows = [
            ("Answered from it", p.served),
            ("Offered among choices", p.offered),
            ("Helped", p.helped),
            ("Didn't help", p.not_helped),
            ("A person took over after", p.handed_off),
            ("Left without a word", p.left),
            ("Helped rate", f"{p.helped_rate:.0%}" if p.helped_rate is not None else "no answers yet"),
            ("Last served", f"{p.last_served:%Y-%m-%d %H:%M}" if p.last_served else "never"),
        ]
        return format_html(
            '<table class="kb-performance"><tbody>{}</tbody></table>',
            format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows),
        )

    @admin.display(description="review due")
    def review_due(self, article: Article) -> str:
        due = article.review_due_at
        if due is None:
            return "never reviewed"
        return f"{due:%Y-%m-%d}" + (" (overdue)" if article.is_overdue() else "")

    @admin.action(description="Mark reviewed today")
    def mark_reviewed(self, request, queryset) -> None:
        count = self.audited_update(request, queryset, last_reviewed_at=timezone.now())
        kb_index_bump()
        self.message_user(request, f"{count} article(s) marked reviewed.")

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        ArticleVersion.objects.create(article=obj, title=obj.title, body=obj.body, edited_by=request.user)
        article_changed(article_id=obj.pk)


@admin.register(KnowledgeGap)
class KnowledgeGapAdmin(ListLabelsMixin, admin.ModelAdmin):
    """Questions the bot could not answer, grouped by meaning, most asked first: material for
    new articles, one click from a draft."""

    list_display = ["example", "count", "reason", "guessed_intent", "other_wordings", "last_seen", "draft", "resolved"]
    list_filter = ["resolved", "reason", "guessed_intent"]
    list_editable = ["resolved"]
    search_fields = ["example"]
    readonly_fields = [
        "key",
        "example",
        "other_wordings",
        "guessed_intent",
        "reason",
        "count",
        "first_seen",
        "last_seen",
        "draft",
    ]
    exclude = ["examples", "vector"]
    actions = ["draft_articles"]

    @admin.display(description="also asked as")
    def other_wordings(self, gap: KnowledgeGap) -> str:
        return format_html_join("", "<div>{}</div>", ((e,) for e in (gap.examples or [])[:3])) or "—"

    @admin.action(description="Draft an article for the owner team from each gap")
    def draft_articles(self, request, queryset) -> None:
        drafts = [gap_draft_article(gap=gap, who=request.user) for gap in queryset]
        self.message_user(
            request, f"{len(drafts)} draft article(s) ready to write: " + ", ".join(d.title for d in drafts)
        )


@admin.register(KnowledgeAnswer)
class KnowledgeAnswerAdmin(admin.ModelAdmin):
    """Every answer the bot gave from the knowledge base, and what came of it (read only)."""

    list_display = ["created_at", "question", "article", "kind", "score", "outcome"]
    list_filter = ["outcome", "kind"]
    search_fields = ["question", "article__title"]
    list_select_related = ["article"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(KnowledgeBaseSettings)
class KnowledgeBaseSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Where the bot answers directly, offers a choice, or says it does not know, with the
    trade-off those thresholds make on a question set (`manage.py kb_calibrate`)."""

    fields = ["answer_at", "lead", "offer_at", "offer_within", "trade_off"]
    readonly_fields = ["trade_off"]

    def has_add_permission(self, request) -> bool:
        return not KnowledgeBaseSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        kb_index_bump()  # every process reads the new thresholds at its next check

    @admin.display(description="trade-off")
    def trade_off(self, row: KnowledgeBaseSettings) -> str:
        if not row.curve:
            return "Not measured yet: run `python manage.py kb_calibrate QUESTIONS.jsonl`."
        lines = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{p['answer_at']:.2f}" + (" (now)" if abs(p["answer_at"] - row.answer_at) < 1e-6 else ""),
                    f"{p['direct_right']:.0%}",
                    f"{p['offered_right']:.0%}",
                    f"{p['direct_wrong']:.0%}",
                    f"{p['unanswerable_answered']:.0%}",
                )
                for p in row.curve
            ),
        )
        return format_html(
            "<p>Measured on {} (the lead, offer and closeness thresholds as saved then).</p>"
            "<table><thead><tr><th>answer at</th><th>answered from the right article</th>"
            "<th>right article answered or offered</th><th>answered from a wrong article</th>"
            "<th>unanswerable questions answered</th></tr></thead><tbody>{}</tbody></table>",
            row.curve_source or "a question set",
            lines,
        )
