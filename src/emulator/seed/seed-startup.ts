import type { EmulatorStore } from '../store/emulator-store.js';
import { applyEmulatorSeed, type SeedReport } from './seed-apply.js';
import type { SeedDefaults } from './seed-document.js';
import { readEmulatorSeedFile } from './seed-file.js';

/**
 * What the composition roots (standalone emulator, `npm start`) run before opening the
 * emulator when EMULATOR_SEED is set: read and validate the whole file, then create what
 * the store lacks. Nothing is written unless the whole seed is valid and agrees with the
 * store.
 *
 * @throws ValidationError (the file) | ConflictError (the store disagrees)
 */
export async function seedEmulatorStore(opts: {
  path: string;
  defaults: SeedDefaults;
  store: EmulatorStore;
  rootKey: Uint8Array;
  clock?: () => Date;
}): Promise<SeedReport> {
  const seed = await readEmulatorSeedFile(opts.path, opts.defaults);
  return applyEmulatorSeed({ store: opts.store, rootKey: opts.rootKey, seed, clock: opts.clock });
}

/** One log line for a seeding, plus one per drifted key (ids and field names only, never material). */
export function describeSeedReport(path: string, report: SeedReport): string[] {
  const lines = [
    `emulator seed ${path}: ${report.created.length} key(s) created, ${report.present.length} already present, ` +
      `${report.aliasesCreated.length} alias(es) created`,
  ];
  for (const d of report.drift) {
    lines.push(`emulator seed: ${d.arn} was changed since seeding (${d.fields.join(', ')}); the stored state is kept`);
  }
  return lines;
}
