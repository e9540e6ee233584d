import { createTrpcRouter } from "../../init";
import { getAllowedHosts } from "./get-allowed-hosts";
import { getCommandTemplates } from "./get-command-templates";
import { getSignUpPolicy } from "./get-sign-up-policy";
import { getStdioNetwork } from "./get-stdio-network";
import { setAllowedHosts } from "./set-allowed-hosts";
import { setCommandTemplates } from "./set-command-templates";
import { setSignUpPolicy } from "./set-sign-up-policy";

export const settingsRouter = createTrpcRouter({
  getSignUpPolicy,
  setSignUpPolicy,
  getAllowedHosts,
  setAllowedHosts,
  getCommandTemplates,
  setCommandTemplates,
  getStdioNetwork,
});
