-- AlterEnum
ALTER TYPE "AuditOutcome" ADD VALUE 'CANCELLED';

