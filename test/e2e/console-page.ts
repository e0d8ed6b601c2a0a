/**
 * The console tests' way of driving one page: waits on conditions (never on time), views
 * by URL fragment, an axe-core check run inside the page, and a screenshot per page.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../support/build-once.js';

/** Where every run leaves one screenshot per page (dist/ is git-ignored). */
const SHOTS = path.join(ROOT, 'dist/console-screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Time spent taking screenshots and in axe, summed over a file (reported by the tests). */
export const costs = { screenshotMs: 0, screenshots: 0, axeMs: 0, axeRuns: 0 };

export function consolePage(page: Page) {
  mkdirSync(SHOTS, { recursive: true });

  /**
   * A PNG of the viewport: what a user sees first. A full-page one cost about three times
   * more here (a long table is several screens); JPEG or Chromium's fast PNG encoder saved
   * nothing measurable (DESIGN.md, "web console").
   */
  const shot = async (name: string) => {
    const started = performance.now();
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
    costs.screenshotMs += performance.now() - started;
    costs.screenshots++;
  };

  /** Waits until an element matching `selector` has exactly this text (or matches the pattern). */
  const see = async (selector: string, text: string | RegExp, timeout = 10_000) => {
    const pattern = typeof text === 'string' ? new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : text;
    try {
      await page.locator(selector, { hasText: pattern }).first().waitFor({ state: 'attached', timeout });
    } catch (err) {
      await shot(`failed-${Date.now()}`);
      const found = await page.locator(selector).allTextContents();
      throw new Error(`no ${selector} with text ${pattern}; found ${JSON.stringify(found)}`, { cause: err });
    }
  };

  /** Polls an expression in the page until it is true (page.waitForFunction would need eval, which the CSP forbids). */
  const until = async (expression: string, timeoutMs = 10_000) => {
    for (const end = Date.now() + timeoutMs; !(await page.evaluate(expression));) {
      if (Date.now() > end) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Moves to another view of the loaded console (no page load, as a link would). */
  const nav = (hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

  /** axe-core run inside the page (through the DevTools protocol, so the page's CSP still holds for the page). */
  const axeSerious = async (name: string) => {
    const started = performance.now();
    if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
    const found = (await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
    )) as string[];
    costs.axeMs += performance.now() - started;
    costs.axeRuns++;
    expect({ page: name, violations: found }).toEqual({ page: name, violations: [] });
  };

  /** The checks every page gets: no serious accessibility violation, and its screenshot. */
  const checkPage = async (name: string) => {
    await axeSerious(name);
    await shot(name);
  };

  return { see, until, nav, shot, axeSerious, checkPage };
}
