import { createTrpcRouter } from "../../init";
import { changePassword } from "./change-password";
import { endSession } from "./end-session";
import { get } from "./get";
import { signOutEverywhere } from "./sign-out-everywhere";

export const profileRouter = createTrpcRouter({ get, endSession, signOutEverywhere, changePassword });
