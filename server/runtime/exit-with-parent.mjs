// Preloaded (`node --import`) into every Node process `npm start` runs. Children run in their own
// process groups, so when the supervisor itself is killed outright (kill -9, OOM killer) nothing
// would stop them: they would keep their ports and data busy. Each one notices that its parent
// changed and stops itself the ordinary way, SIGTERM, which lets it shut down gracefully.
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== parent) {
    clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  }
}, 1_000);
timer.unref();
