"""The `records_history` view (records.HistoryMonth) for migrations.

SQLite cannot rebuild a table a view reads: Django's AlterField on SQLite copies the table to a new one,
drops the old and renames the new, and the rename fails with "error in view records_history: no such
table". A later migration that alters ContributionList, ListRow or RecordedMonth wraps its operations
in `around_view(...)`, which drops the view first and creates it again after, on both databases.
"""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations.base import Operation

CREATE = """
CREATE VIEW records_history AS
SELECT r.id AS id, r.person_id AS person_id, c.workshop_id AS workshop_id, c.year AS year,
       c.month AS month, r.days AS days, r.daily_wage AS daily_wage, r.monthly_wage AS wage,
       r.wage_subject AS wage_subject, r.job_code AS job_code, r.hard_job AS hard_job,
       r.contribution_list_id AS source_list_id, r.row_no AS source_row
FROM contributions_listrow AS r
JOIN contributions_contributionlist AS c ON c.id = r.contribution_list_id
WHERE NOT EXISTS (
    SELECT 1 FROM records_recordedmonth AS o
    WHERE o.source_list_id = r.contribution_list_id AND o.source_row = r.row_no
)
UNION ALL
SELECT -m.id, m.person_id, m.workshop_id, m.year, m.month, m.days, m.daily_wage, m.wage,
       m.wage_subject, m.job_code, m.hard_job, m.source_list_id, m.source_row
FROM records_recordedmonth AS m
"""
DROP = "DROP VIEW IF EXISTS records_history"


def around_view(*operations: Operation) -> list[Operation]:
    """`operations` with the view dropped before and created again after (and the reverse)."""
    return [migrations.RunSQL(DROP, CREATE), *operations, migrations.RunSQL(CREATE, DROP)]
