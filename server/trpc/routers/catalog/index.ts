import { createTrpcRouter } from "../../init";
import { get } from "./get";
import { list } from "./list";

export const catalogRouter = createTrpcRouter({ list, get });
