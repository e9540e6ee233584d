import { createTrpcRouter } from "../../init";
import { getAllowedHosts } from "./get-allowed-hosts";
import { getSignUpPolicy } from "./get-sign-up-policy";
import { setAllowedHosts } from "./set-allowed-hosts";
import { setSignUpPolicy } from "./set-sign-up-policy";

export const settingsRouter = createTrpcRouter({
  getSignUpPolicy,
  setSignUpPolicy,
  getAllowedHosts,
  setAllowedHosts,
});
