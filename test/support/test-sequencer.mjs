import Sequencer from '@jest/test-sequencer';

/**
 * jest's order (failed files first, then the slowest by the durations it cached, else the
 * largest), with the end-to-end files moved to the front. They are the longest (Terraform
 * alone is over a minute) and a fresh clone has no cached durations: started last, the
 * longest of them would run alone on one worker while the others sit idle.
 */
export default class EndToEndFirst extends Sequencer.default {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const isE2e = (test) => test.path.includes('/test/e2e/');
    return [...ordered.filter(isE2e), ...ordered.filter((test) => !isE2e(test))];
  }
}
