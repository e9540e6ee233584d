"use client";

import { pluralize } from "@/components/lib/format";
import { useIsHydrated } from "@/components/lib/use-now";
import { cn } from "@/components/lib/utils";

export type ActivityPoint = { hour: string; events: number };

const MAX_INTERVALS = 5;
const SLOT = 10;
const PLOT_HEIGHT = 100;

/**
 * A y axis with round steps (1, 2, 5 × 10ⁿ) and at most five intervals that fits `max`; small counts
 * get at least 0–4 so a single event doesn't fill the chart.
 */
export function niceAxis(max: number): { axisMax: number; step: number } {
  if (max <= 4) return { axisMax: 4, step: 1 };
  const minStep = max / MAX_INTERVALS;
  const magnitude = 10 ** Math.floor(Math.log10(minStep));
  const step =
    [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= minStep) ??
    10 * magnitude;
  return { axisMax: Math.ceil(max / step) * step, step };
}

function hourLabel(iso: string, isLocal: boolean): string {
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    // Before hydration both server and browser render UTC so their output matches; then local time.
    timeZone: isLocal ? undefined : "UTC",
  }).format(new Date(iso));
}

/**
 * Audit events per hour as a bar chart: plain SVG bars (each with a <title> tooltip) inside HTML
 * axes, so labels stay crisp while the plot stretches to the card's width.
 */
export function ActivityChart({ data, className }: { data: ActivityPoint[]; className?: string }) {
  const isLocal = useIsHydrated();
  const max = Math.max(0, ...data.map((point) => point.events));
  const total = data.reduce((sum, point) => sum + point.events, 0);
  const { axisMax, step } = niceAxis(max);
  const ticks = Array.from({ length: Math.round(axisMax / step) + 1 }, (_, index) => index * step);
  const width = data.length * SLOT;
  const busiest = data.reduce<ActivityPoint | null>(
    (best, point) => (point.events > (best?.events ?? 0) ? point : best),
    null,
  );
  const labelEvery = 6;
  const summary =
    total === 0
      ? "No audit events in the last 24 hours."
      : `${pluralize(total, "audit event")} in the last 24 hours; busiest hour ${
          busiest ? `${hourLabel(busiest.hour, isLocal)} with ${pluralize(busiest.events, "event")}` : "none"
        }.`;

  return (
    <figure className={cn("w-full", className)}>
      <div className="flex gap-2">
        {/* y axis: title and tick labels */}
        <div className="flex shrink-0 items-stretch gap-1">
          <span className="flex w-4 rotate-180 items-center justify-center text-[0.6875rem] text-muted-foreground [writing-mode:vertical-rl]">
            Events
          </span>
          <div className="relative h-44 w-7 text-right text-[0.6875rem] tabular-nums text-muted-foreground">
            {ticks.map((tick) => (
              <span
                key={tick}
                className="absolute right-0 -translate-y-1/2"
                style={{ top: `${(1 - tick / axisMax) * 100}%` }}
              >
                {tick}
              </span>
            ))}
          </div>
        </div>

        <div className="relative h-44 min-w-0 flex-1">
          <svg
            viewBox={`0 0 ${width} ${PLOT_HEIGHT}`}
            preserveAspectRatio="none"
            className="absolute inset-0 size-full overflow-visible"
            role="img"
            aria-label={`Bar chart of audit events per hour. ${summary}`}
          >
            {ticks.map((tick) => {
              const y = PLOT_HEIGHT - (tick / axisMax) * PLOT_HEIGHT;
              return (
                <line
                  key={tick}
                  x1={0}
                  x2={width}
                  y1={y}
                  y2={y}
                  className={tick === 0 ? "stroke-border" : "stroke-chart-grid"}
                  strokeDasharray={tick === 0 ? undefined : "3 3"}
                  vectorEffect="non-scaling-stroke"
                />
              );
            })}
            {data.map((point, index) => {
              const height = (point.events / axisMax) * PLOT_HEIGHT;
              const start = hourLabel(point.hour, isLocal);
              const end = hourLabel(
                new Date(new Date(point.hour).getTime() + 3_600_000).toISOString(),
                isLocal,
              );
              return (
                <g key={point.hour} className="group">
                  <title>{`${start}–${end}${isLocal ? "" : " UTC"}: ${pluralize(point.events, "event")}`}</title>
                  {/* full-height hit area so thin bars are easy to hover */}
                  <rect
                    x={index * SLOT}
                    y={0}
                    width={SLOT}
                    height={PLOT_HEIGHT}
                    className="fill-transparent"
                  />
                  {point.events > 0 ? (
                    <rect
                      x={index * SLOT + 1.5}
                      y={PLOT_HEIGHT - height}
                      width={SLOT - 3}
                      height={height}
                      className="fill-chart-bar transition-colors group-hover:fill-chart-bar-hover"
                    />
                  ) : (
                    <rect
                      x={index * SLOT + 1.5}
                      y={PLOT_HEIGHT - 1}
                      width={SLOT - 3}
                      height={1}
                      className="fill-muted-foreground/25 group-hover:fill-muted-foreground/50"
                    />
                  )}
                </g>
              );
            })}
          </svg>
          {total === 0 && (
            <div className="pointer-events-none absolute inset-0 flex items-center justify-center">
              <p className="rounded-md bg-card/90 px-3 py-1.5 text-sm text-muted-foreground">
                No audit events in the last 24 hours
              </p>
            </div>
          )}
        </div>
      </div>

      {/* x axis: hour labels every few hours, then the axis title */}
      <div className="flex gap-2">
        <div className="w-12 shrink-0" aria-hidden="true" />
        <div className="min-w-0 flex-1">
          <div
            className={cn(
              "relative h-5 text-[0.6875rem] tabular-nums text-muted-foreground transition-opacity",
              !isLocal && "opacity-0",
            )}
          >
            {data.map((point, index) =>
              index % labelEvery === 0 || index === data.length - 1 ? (
                <span
                  key={point.hour}
                  className="absolute top-1 -translate-x-1/2 whitespace-nowrap"
                  style={{ left: `${((index + 0.5) / data.length) * 100}%` }}
                >
                  {index === data.length - 1 ? "now" : hourLabel(point.hour, isLocal)}
                </span>
              ) : null,
            )}
          </div>
          <p className="mt-1 text-center text-[0.6875rem] text-muted-foreground">
            Hour of day (your local time)
          </p>
        </div>
      </div>
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}
