"""Writing to the audit log (within the caller's transaction)."""

from django.db import models

from .models import AuditLog


def audit_record(*, actor, action: str, target: models.Model, **details) -> AuditLog:
    """Record that actor did action to target; call it inside the write's transaction."""
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        details=details,
    )
