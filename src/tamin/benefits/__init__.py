"""Benefits: pension claims and awards, payroll, the yearly adjustment, short-term benefits (issue #4)."""
