"""Contributions: monthly wage lists in and out, their checks and price, bills, payments and debts."""
