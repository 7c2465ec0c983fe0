"""Forms shared by every domain."""

from __future__ import annotations

import typing as t

from flask_wtf import FlaskForm

from .i18n import form_translations


class TranslatedMeta:
    """WTForms' own messages ("This field is required.") from the extension's
    catalog, in the page's language; for sub-forms too."""

    def get_translations(self, form: t.Any) -> t.Any:
        return form_translations


class LoyaltyForm(FlaskForm):
    """The extension's forms: CSRF, and messages in the page's language."""

    class Meta(TranslatedMeta, FlaskForm.Meta):
        pass


class ActionForm(LoyaltyForm):
    """A button that changes something (sign out, retry a message): CSRF only."""
