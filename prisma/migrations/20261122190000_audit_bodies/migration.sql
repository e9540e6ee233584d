-- One envelope for both bodies of an MCP exchange (one AES-256-GCM operation per audit row).
ALTER TABLE "AuditEvent" ADD COLUMN "bodies" BYTEA;
