"""Models of the annual app live in topic modules; Django finds them through this one."""
from .report_models import (  # noqa: F401
    ExternalReport,
    LedgerEntry,
    PlatformFacts,
    ProactiveStats,
    Proposal,
    ReportDraft,
    StatsImport,
)
