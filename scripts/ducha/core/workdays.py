"""Working days: China's public holidays and 调休 make-up workdays.

``chinese-calendar`` knows the State Council's schedules for the years it was
released with; the ledger rules may add years (``holiday_overrides``) once the
notice is published.  For a year nobody knows, the calendar does not guess
silently: it falls back to plain weekends *and records the year* in
``unknown_years`` so every caller can warn (code D604) naming the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar

_ONE = dt.timedelta(days=1)


# the package's own ``is_workday`` recomputes its year range on every call (~40 µs); the same rule
# over frozen sets costs well under a microsecond
_PACKAGE_HOLIDAYS = frozenset(chinese_calendar.holidays)
_PACKAGE_WORKDAYS = frozenset(chinese_calendar.workdays)


def _known_range() -> tuple[int, int]:
    years = sorted({d.year for d in _PACKAGE_HOLIDAYS} | {d.year for d in _PACKAGE_WORKDAYS})
    return years[0], years[-1]


PACKAGE_YEARS = _known_range()


def calendar_stamp() -> str:
    """The holiday package's version and the years it knows: cached judgements that counted working days or
    named an unknown year hold only for these."""
    return f"chinese_calendar {getattr(chinese_calendar, '__version__', '')} {PACKAGE_YEARS[0]}-{PACKAGE_YEARS[1]}"


@dataclass
class WorkCalendar:
    """``overrides``: ``{year: {"holidays": set[date], "workdays": set[date]}}``.

    Answers are cached per instance (the overrides must not change once it is in use); a cached
    answer's unknown year was recorded in ``unknown_years`` when it was first worked out.
    """

    overrides: dict[int, dict[str, set]] = field(default_factory=dict)
    unknown_years: set[int] = field(default_factory=set)
    _days: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _added: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _next: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def knows(self, year: int) -> bool:
        return year in self.overrides or PACKAGE_YEARS[0] <= year <= PACKAGE_YEARS[1]

    def is_workday(self, day: dt.date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: dt.date) -> bool:
        over = self.overrides.get(day.year)
        if over is not None:
            if day in over["workdays"]:
                return True
            if day in over["holidays"]:
                return False
            return day.weekday() < 5
        if PACKAGE_YEARS[0] <= day.year <= PACKAGE_YEARS[1]:
            return day in _PACKAGE_WORKDAYS or (day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS)
        self.unknown_years.add(day.year)
        return day.weekday() < 5

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, else the next one."""
        if self.is_workday(day):
            return day
        found = self._next.get(day)
        if found is None:
            found = day
            while not self.is_workday(found):
                found += _ONE
            self._next[day] = found
        return found

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (the start day itself not counted)."""
        key = (start, days)
        found = self._added.get(key)
        if found is not None:
            return found
        day = start
        left = days
        while left > 0:
            day += _ONE
            if self.is_workday(day):
                left -= 1
        self._added[key] = day
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += _ONE
            if self.is_workday(day):
                count += 1
        return count

    def years_touched_unknown(self, start: dt.date, end: dt.date) -> list[int]:
        if start.year == end.year and self.knows(start.year):
            return []
        return [y for y in range(min(start, end).year, max(start, end).year + 1) if not self.knows(y)]
