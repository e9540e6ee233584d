/**
 * What `npm start` prints: one line per start-up step with its duration, warnings from the
 * children, and the banner. Plain text with a little colour on terminals; never a secret
 * except the first owner password, which the caller prints exactly once.
 */
const isTty = process.stdout.isTTY === true;

function paint(open: number, close: number, text: string): string {
  return isTty ? `\u001b[${open}m${text}\u001b[${close}m` : text;
}

export const style = {
  green: (text: string) => paint(32, 39, text),
  red: (text: string) => paint(31, 39, text),
  yellow: (text: string) => paint(33, 39, text),
  bold: (text: string) => paint(1, 22, text),
  dim: (text: string) => paint(2, 22, text),
};

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// A closed terminal must not crash the supervisor in the middle of stopping its children.
process.stdout.on("error", () => undefined);
process.stderr.on("error", () => undefined);

export function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${style.yellow(line)}\n`);
}

export function sayError(line: string): void {
  process.stderr.write(`${style.red(line)}\n`);
}

const LABEL_WIDTH = 14;

/** A timed start-up step: prints "✓ label  detail  1.2 s" when done and remembers the duration. */
export class Timings {
  readonly durations = new Map<string, number>();

  begin(label: string, announce?: string): (detail: string) => number {
    const started = performance.now();
    if (announce) say(`  ${style.dim("…")} ${label.padEnd(LABEL_WIDTH)} ${style.dim(announce)}`);
    return (detail) => {
      const elapsed = performance.now() - started;
      this.durations.set(label, elapsed);
      say(
        `  ${style.green("✓")} ${label.padEnd(LABEL_WIDTH)} ${detail} ${style.dim(`(${seconds(elapsed)})`)}`,
      );
      return elapsed;
    };
  }
}
