/**
 * Time limits for tests and hooks.
 *
 * jest-light-runner (see jest.config.js) runs each test function and hook as it is, without
 * jest's timeouts, so a test waiting on something that never comes would hold its worker,
 * and the whole run, until CI's own limit. This file, loaded once per worker after the jest
 * globals are set (`setupFilesAfterEnv`), wraps `test`/`it` (with `.only`, `.skip`, `.each`)
 * and the four hooks so that each fails after its limit, naming what timed out: the third
 * argument when given, as in jest, else {@link DEFAULT_TIMEOUT_MS}.
 */
import { bind } from 'jest-each';

/** What jest's `testTimeout` was: generous, since a file's database and server start inside it. */
export const DEFAULT_TIMEOUT_MS = 60_000;

type Fn = (...args: unknown[]) => unknown;
type Register = (name: string, fn?: Fn, timeout?: number) => unknown;
type HookRegister = (fn: Fn, timeout?: number) => unknown;

/** `fn`, failing with a clear error when it has not settled within `ms`. */
function limited(fn: Fn, ms: number, what: string): Fn {
  return function (this: unknown) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} did not finish within ${ms} ms (pass a longer timeout as the last argument)`)),
        ms,
      );
    });
    return Promise.race([Promise.resolve().then(() => fn.call(this)), expired]).finally(() => clearTimeout(timer));
  };
}

function timedTest(register: Register): Register {
  return (name, fn, timeout) =>
    register(name, fn && limited(fn, timeout ?? DEFAULT_TIMEOUT_MS, `test "${name}"`), timeout);
}

const globals = globalThis as unknown as Record<string, Register & Record<string, unknown>>;
for (const name of ['test', 'it'] as const) {
  const original = globals[name]!;
  const wrapped = timedTest(original) as Register & Record<string, unknown>;
  const only = timedTest(original.only as Register) as Register & Record<string, unknown>;
  const skip = original.skip as Register & Record<string, unknown>;
  only.each = bind(only as never);
  wrapped.only = only;
  wrapped.skip = skip;
  wrapped.each = bind(wrapped as never);
  globals[name] = wrapped;
}
for (const hook of ['beforeAll', 'beforeEach', 'afterAll', 'afterEach'] as const) {
  const original = globals[hook] as unknown as HookRegister;
  (globals as unknown as Record<string, HookRegister>)[hook] = (fn, timeout) =>
    original(limited(fn, timeout ?? DEFAULT_TIMEOUT_MS, hook), timeout);
}
