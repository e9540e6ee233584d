import { createTrpcRouter } from "../../init";
import { deactivate } from "./deactivate";
import { list } from "./list";
import { reactivate } from "./reactivate";
import { resetPassword } from "./reset-password";
import { setAuditor } from "./set-auditor";
import { setRole } from "./set-role";
import { unlock } from "./unlock";

export const usersRouter = createTrpcRouter({
  list,
  setRole,
  setAuditor,
  deactivate,
  reactivate,
  unlock,
  resetPassword,
});
