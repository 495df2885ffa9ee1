"""A review as plain data, for the pure functions' tests (the engine and the planner read only these fields)."""

from dataclasses import dataclass
from datetime import date


@dataclass
class ReviewFacts:
    id: int = 1
    reference: str = "SCR-1"
    title: str = "Child A"
    regime: str = "lcspr"  # what a review begun today is
    decision: str | None = None
    incident: date | None = None
    aware: date | None = None
    notified: date | None = None
    rapid: date | None = None
    rapid_sent: date | None = None
    decided: date | None = None
    initiated: date | None = None
    completed: date | None = None
    planned: date | None = None
    copied: date | None = None
    published: date | None = None
    withheld: date | None = None
    referred: date | None = None
    delay_reason: str | None = None
    delay_from: date | None = None
    delay_until: date | None = None
    delay_told: date | None = None
    open: bool = True
