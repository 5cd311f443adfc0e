"""The admin's lists, readable without sight: every field edited in a list (`list_editable`)
is named for the row it belongs to ("Order of rule VIP first"), where Django leaves it
unlabelled (axe-core: label, critical)."""

from __future__ import annotations

from django.http import HttpRequest


class ListLabelsMixin:
    def get_changelist_formset(self, request: HttpRequest, **kwargs):
        base = super().get_changelist_formset(request, **kwargs)
        editable = set(self.list_editable)

        class Labelled(base):
            def _construct_form(self, i: int, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                for name in editable & set(form.fields):
                    field = form.fields[name]
                    label = str(field.label or name.replace("_", " ")).capitalize()
                    field.widget.attrs["aria-label"] = f"{label} of {form.instance}"
                return form

        return Labelled
