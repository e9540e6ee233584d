import { describe, expect, it } from "vitest";
import { LineBudget } from "@/server/mcp/stdio/sandbox";

describe("LineBudget (stdio stderr in the log)", () => {
  it("logs a fixed number of lines per minute, then counts the rest and says how many on the next", () => {
    const budget = new LineBudget(3);
    const minute = 60_000 * 1_000;
    expect([1, 2, 3].map((n) => budget.take(minute + n))).toEqual([0, 0, 0]);
    expect(budget.take(minute + 4)).toBeNull();
    expect(budget.take(minute + 5)).toBeNull();
    expect(budget.take(minute + 60_000)).toBe(2);
    expect(budget.take(minute + 60_001)).toBe(0);
  });
});
