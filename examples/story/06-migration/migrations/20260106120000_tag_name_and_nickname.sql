-- The two changes Safe Sync refused (see the reports of steps 04 and 05):
-- shorten tag names longer than 20 characters first, then narrow the column; drop user.nickname.
UPDATE tag SET name = left(name, 20) WHERE length(name) > 20;
ALTER TABLE tag ALTER COLUMN name TYPE character varying(20);
ALTER TABLE "user" DROP COLUMN nickname;
