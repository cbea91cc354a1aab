from . import audit
from .audit import AuditAction


class AuditedAdminMixin:
    """Platform operators reading personal data in the Django admin leave a trail too."""

    audit_detail = "admin"

    def _participant_id(self, obj):
        return getattr(obj, "participant_id", None) or (
            obj.pk if obj._meta.model_name == "participant" else None
        )

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            audit.record(
                request.user, AuditAction.VIEW, detail=f"admin list {self.model._meta.model_name}"
            )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            audit.record(
                request.user,
                AuditAction.VIEW,
                obj=obj,
                participant_id=self._participant_id(obj),
                detail=self.audit_detail,
            )
        return super().change_view(request, object_id, form_url, extra_context)
