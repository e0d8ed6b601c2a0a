/**
 * Which operation a path selects when several path templates match it: a literal segment
 * beats a parameter at the same place, whatever order the document lists the paths in.
 */
import { OperationTable } from '../../../src/http/openapi/operation-table.js';

const op = (operationId: string) => ({ get: { operationId, responses: { '200': { description: 'ok' } } } });

function tableOf(paths: string[]): OperationTable {
  const document = {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: Object.fromEntries(paths.map((p) => [p, op(p)])),
  };
  return new OperationTable(document);
}

function selected(table: OperationTable, path: string): string | undefined {
  const m = table.match('get', path);
  return m.kind === 'operation' ? m.operation.operationId : undefined;
}

describe('OperationTable.match', () => {
  // Every order of the paths: sorting must not depend on where a path sits in the document.
  const PATHS = ['/x/{id}', '/x', '/x/stats', '/x/{id}/y', '/x/stats/y', '/z/{id}', '/x/{id}/{sub}'];
  const orders: string[][] = [PATHS, [...PATHS].reverse(), [PATHS[2]!, ...PATHS.filter((_, i) => i !== 2)]];
  for (let seed = 1; seed <= 20; seed++) {
    let n = seed;
    const shuffled = [...PATHS].sort(() => ((n = (n * 16807) % 2147483647) % 3) - 1);
    orders.push(shuffled);
  }

  it.each(orders.map((o) => [o.join(' ')]))('picks the literal over the parameter for paths in order %s', (order) => {
    const table = tableOf(order.split(' '));
    expect(selected(table, '/x/stats')).toBe('/x/stats');
    expect(selected(table, '/x/other')).toBe('/x/{id}');
    expect(selected(table, '/x')).toBe('/x');
    expect(selected(table, '/x/stats/y')).toBe('/x/stats/y');
    expect(selected(table, '/x/1/y')).toBe('/x/{id}/y');
    expect(selected(table, '/x/stats/q')).toBe('/x/{id}/{sub}');
    expect(selected(table, '/z/1')).toBe('/z/{id}');
  });
});
