// Preloaded (`node --import`) into the demo upstreams that `npm start` runs. The reference server
// they use listens on every interface and has tools that print its environment and fetch URLs;
// a demo must not offer those to the network, so a listen() without a host gets 127.0.0.1.
import net from "node:net";

const listen = net.Server.prototype.listen;
const LOOPBACK = "127.0.0.1";

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  const isPort = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  if (isPort && typeof second !== "string") args.splice(1, 0, LOOPBACK);
  else if (first && typeof first === "object" && "port" in first && !("host" in first) && !("path" in first))
    args[0] = { ...first, host: LOOPBACK };
  return listen.apply(this, args);
};
