import LightRunner from 'jest-light-runner';

/**
 * jest-light-runner with one pool of workers for all projects. The light runner keeps a pool
 * per jest project, so the four projects here (unit, integration, contract, e2e) started up to
 * four times `maxWorkers` threads, each loading the app and its packages again (a few seconds
 * of CPU per thread). The projects differ only in the files they match and their global
 * setup, which jest runs itself; what a worker reads from the project (setup files, snapshot
 * settings) is the same for all, so every file runs under the first project's settings,
 * and jest still reports each file under its own project.
 */
export default class SharedPoolRunner extends LightRunner {
  runTests(tests, watcher, onStart, onResult, onFailure) {
    if (tests.length === 0) return super.runTests(tests, watcher, onStart, onResult, onFailure);
    const config = tests[0].context.config;
    const own = new Map();
    const pooled = tests.map((test) => {
      const shared = { ...test, context: { ...test.context, config } };
      own.set(shared, test);
      return shared;
    });
    return super.runTests(
      pooled,
      watcher,
      (test) => onStart(own.get(test)),
      (test, result) => onResult(own.get(test), result),
      (test, error) => onFailure(own.get(test), error),
    );
  }
}
