/** How server states read on the access explorer. */
export const SERVER_STATUS_LABELS = {
  DRAFT: "Draft",
  PENDING_APPROVAL: "Pending approval",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  RETIRED: "Retired",
} as const;

export const SCOPE_LABELS = { PERSONAL: "Personal", SHARED: "Shared" } as const;
