import { createTrpcRouter } from "../../init";
import { getSignUpPolicy } from "./get-sign-up-policy";
import { setSignUpPolicy } from "./set-sign-up-policy";

export const settingsRouter = createTrpcRouter({ getSignUpPolicy, setSignUpPolicy });
