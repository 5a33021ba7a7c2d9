/** "1 attempt", "2 attempts": a count and its noun, the noun made plural by an "s" unless the count is 1. */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
