"""The working-day calendar in the database: seeded from chinesecalendar, extended by an administrator
from each year's State Council notice (see gongkai.law.calendar for the counting rules)."""
