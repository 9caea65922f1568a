/**
 * Background work (timers, intervals, event callbacks) runs outside any request: an exception
 * thrown there is uncaught and ends the process. Every such callback is wrapped with
 * {@link guarded}, so a failure is reported (logged and counted by the server) and never fatal.
 */

/** Told about a background task that threw: `task` names it (`stats`, `alert-expiry`, …). */
export type TaskFailureReport = (task: string, err: unknown) => void;

/** Returns `fn` wrapped so that a throw is handed to `report` instead of escaping. */
export function guarded<A extends unknown[]>(
  task: string,
  report: TaskFailureReport,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A): void => {
    try {
      fn(...args);
    } catch (err) {
      try {
        report(task, err);
      } catch {
        // The reporter itself failed (e.g. a logger that cannot write): nothing safer to do.
      }
    }
  };
}
