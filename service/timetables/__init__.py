"""Timetables: GTFS feeds imported into PostgreSQL, and the trip lookup that
checks a declared arrival against them."""
