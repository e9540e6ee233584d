-- Audit rows name their actor by id only: the trail outlives the user row, and an INSERT no longer
-- runs a foreign-key check (a per-row trigger that locks the user's row) on the proxy's hottest write.
ALTER TABLE "AuditEvent" DROP CONSTRAINT "AuditEvent_actorUserId_fkey";
