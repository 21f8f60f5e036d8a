-- pcc.predictions_case_id duplicated the leading column of the primary key (case_id, source,
-- predicted_at): every lookup by case_id can use the primary key's index, and each stored
-- prediction paid for one more B-tree insert on a random text key. Append-only: change in a new file.

DROP INDEX IF EXISTS pcc.predictions_case_id;
