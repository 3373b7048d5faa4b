/**
 * The process clock. Handlers read time only here, so the local stack's
 * tests can run a whole escalation ladder on an injected clock.
 */
let source: () => Date = () => new Date();

export const clock = {
  now: (): Date => source(),
  /** Tests and demos only. */
  set(next: () => Date): void {
    source = next;
  },
  reset(): void {
    source = () => new Date();
  },
};
