"""The one line a sync from the ROR national is summed up in (`ror-bot ror sync`, the scheduler's log)."""

from urllib.parse import urlsplit

from bot.presentation.anomalies import plural
from domain.services.ror_sync import RorSyncReport


def sync_summary(report: RorSyncReport, origin: str) -> str:
    """The one line `ror-bot ror sync` prints, and the scheduler logs."""
    if not report.scopes:
        return (
            "Synchronisation depuis le ROR national : aucun groupe d'habilitation, aucun périmètre à suivre "
            "(ror-bot group create …)."
        )
    counts = [
        plural(report.pages, "page", "pages"),
        plural(report.read, "Task lue", "Tasks lues"),
        plural(report.new, "nouvelle anomalie", "nouvelles anomalies"),
        plural(report.updated, "mise à jour", "mises à jour"),
        plural(len(report.unreadable), "illisible", "illisibles"),
    ]
    if report.adopted:
        counts.insert(3, plural(report.adopted, "déclaration rapprochée", "déclarations rapprochées"))
    scopes = ", ".join("national" if s.national else f"région {s}" for s in report.scopes)
    return (
        f"Synchronisation depuis le ROR national ({urlsplit(origin).netloc or origin}, {scopes}) : "
        f"{', '.join(counts)}."
    )
